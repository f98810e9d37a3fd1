#!/bin/sh
# shared between two articles
echo "exact bytes	tab"  
