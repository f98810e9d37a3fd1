pub struct BuildOptions; pub fn build() {}
