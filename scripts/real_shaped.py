#!/usr/bin/env python3
"""Writes a real-shaped test site: thousands of guides carrying the defects a real
blog of pasted how-to guides has, in its proportions (issue 23).

    python3 scripts/real_shaped.py --bin target/release/inkproof --out /tmp/rs [--n 4627]
    python3 scripts/real_shaped.py --peers CORPUS   # the same defects into a gen_corpus.py
                                                    # corpus's inkproof, zola and hugo sites

The measured site (4,627 Windows troubleshooting guides) had, per guide: 9.3 images
without alt text, 3.0 affiliate links in running text (71 % of them carrying the text
of a heading of the same guide: "jump to fix 2" links whose `#fix2` was swapped for an
affiliate URL), a 23 % chance of an in-page link to an anchor that no longer exists;
and 30 stray fences and one invalid front matter in all. The articles themselves are
`inkproof gen-corpus` guides, plus the real articles of `../shared/corpus/real-articles/`
copied under other names (one in ten), so the Markdown is not only generated text.
Deterministic: the same --n and --seed give the same site.
"""
import argparse
import pathlib
import random
import re
import shutil
import subprocess

AFFILIATE = ["https://x.sjv.io/c/{n}/{m}/Qk", "https://tools.pxf.io/c/{n}/{m}", "https://secure.2checkout.com/order/checkout.php?affiliate={n}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--out")
    ap.add_argument("--peers", help="a corpus from ../shared/bench/gen_corpus.py (raw,zola,hugo): "
                    "plant the same body defects in its inkproof/, zola/ and hugo/ sites")
    ap.add_argument("--n", type=int, default=4627)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.peers:
        return peers(pathlib.Path(args.peers), args.seed)
    out = pathlib.Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    real_dir = pathlib.Path(__file__).resolve().parent.parent.parent / "shared/corpus/real-articles"
    real = sorted(real_dir.glob("*.md")) if real_dir.is_dir() else []
    n_real = len(real) and args.n // 10
    subprocess.run([args.bin, "gen-corpus", "--n", str(args.n - n_real), "--out", str(out), "--seed", str(args.seed)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    posts = out / "content/posts"
    for i in range(n_real):
        src = real[i % len(real)]
        shutil.copy(src, posts / f"real-{i:04d}-{src.stem.split('__')[-1]}.md")
    counts = plant(sorted(posts.glob("*.md")), args.seed, invalid_front_matter=True)
    (out / "inkproof.yaml").write_text(
        'title: "Fix it guides"\nbase_url: "https://guides.example.org"\n'
        'description: "Windows troubleshooting guides, pasted over years."\n')
    print(f"{args.n} articles ({n_real} real copies) in {out}: {counts}")


def peers(corpus, seed):
    """The same body defects in every layout of one corpus (the peers would stop at an
    invalid front matter, so none is planted), and an inkproof site beside them."""
    site = corpus / "inkproof"
    if not site.exists():
        (site / "content").mkdir(parents=True)
        shutil.copytree(corpus / "raw/posts", site / "content/posts")
        # gen_corpus links articles as Hugo URLs; inkproof authors link the .md file.
        for f in (site / "content/posts").glob("*.md"):
            f.write_text(re.sub(r"\]\(/posts/(article-[0-9]+)/\)", r"](\1.md)", f.read_text()))
        (site / "inkproof.yaml").write_text('title: "Bench"\nbase_url: "https://example.org"\n')
    for layout in ["inkproof", "zola", "hugo"]:
        files = sorted(p for p in (corpus / layout / "content/posts").glob("article-*.md"))
        if files:
            print(layout, plant(files, seed, invalid_front_matter=False))
    zola = corpus / "zola/config.toml"
    if zola.exists() and "[link_checker]" not in zola.read_text():
        # Zola stops at a missing anchor; the real site has a thousand of them.
        zola.write_text(zola.read_text() + '\n[link_checker]\ninternal_level = "warn"\n')


def plant(files, seed, invalid_front_matter):
    rng = random.Random(seed)
    stray = set(rng.sample(range(len(files)), min(30, len(files))))
    invalid = rng.randrange(len(files)) if invalid_front_matter else -1
    counts = dict(images=0, affiliate=0, anchors=0, stray=0, invalid=0)
    for k, path in enumerate(files):
        text = path.read_text(encoding="utf-8", errors="replace")
        headings = re.findall(r"^##+ (.+)$", text, re.M)
        extra = ["", "## Screenshots", ""]
        for s in range(rng.choice([8, 9, 9, 10, 11])):
            extra.append(f"![](https://img.example.com/{k}/shot-{s}.png)")
            extra.append("")
            counts["images"] += 1
        for a in range(3):
            url = rng.choice(AFFILIATE).format(n=rng.randrange(10**6), m=rng.randrange(10**4))
            if headings and rng.random() < 0.71:
                label = rng.choice(headings).strip().strip("#").strip()
            else:
                label = rng.choice(["Get the repair tool", "Download the driver updater", "Try it free"])
            extra.append(f"If that fails, see [{label}]({url}).")
            extra.append("")
            counts["affiliate"] += 1
        if rng.random() < 0.23:
            extra.append("Still stuck? [Jump to fix 9](#fix-9).")
            extra.append("")
            counts["anchors"] += 1
        if k in stray:
            extra.append("```")
            extra.append("Get-Service wuauserv | Restart-Service")
            counts["stray"] += 1
        text = text.rstrip("\n") + "\n" + "\n".join(extra) + "\n"
        if k == invalid and text.startswith("---"):
            text = text.replace("\n", "\ndate: 2024-13-45\n", 1)
            counts["invalid"] += 1
        path.write_text(text, encoding="utf-8")
    return counts


main()
