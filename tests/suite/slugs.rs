//! Non-ASCII titles and file names keep their meaning in URLs (issue #9).

use crate::harness::TestSite;

#[test]
fn cjk_cyrillic_and_accented_names_get_readable_urls() {
    let site = TestSite::empty();
    site.write(
        "content/Как активировать Windows.md",
        "---\ntitle: Активация\ndate: 2024-05-01\ntags: [Безопасность]\n---\nТекст.\n",
    )
    .write(
        "content/数据备份/index.md",
        "---\ntitle: 数据备份\ndate: 2024-05-02\ncategories: [系统]\n---\n正文。\n",
    )
    .write("content/2024-05-01-réinitialiser-café.md", "---\ntitle: Café\n---\nTexte.\n")
    .write("content/untitled.md", "---\ntitle: Ελληνικά\nslug: Ελληνικά οδηγός\n---\nΚείμενο.\n");
    let b = site.build();
    b.assert_clean();
    for page in [
        "kak-aktivirovat-windows/index.html",
        "shu-ju-bei-fen/index.html",
        "reinitialiser-cafe/index.html",
        "ellenika-odegos/index.html",
        "tags/bezopasnost/index.html",
        "categories/xi-tong/index.html",
    ] {
        assert!(b.bytes(page).is_some(), "no `{page}`; have {:?}", b.paths());
    }
}
