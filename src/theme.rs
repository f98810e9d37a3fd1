//! The built-in theme's files, embedded in the binary. A leaf so that `load`
//! (which overlays a site's own files on them), `render` and `init` can all
//! read the one copy without `load` importing `render`.

/// The default theme, built into the binary: a site without a `templates/`
/// folder (or missing one of these) still builds, and `init` writes them out.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("macros.html", include_str!("../templates/macros.html")),
    ("base.html", include_str!("../templates/base.html")),
    ("article.html", include_str!("../templates/article.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("taxonomy.html", include_str!("../templates/taxonomy.html")),
    ("term.html", include_str!("../templates/term.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("search.html", include_str!("../templates/search.html")),
];

/// Static files of the default theme, used when the site has no `static/` folder.
pub const DEFAULT_STATIC: &[(&str, &str)] = &[
    ("style.css", include_str!("../static/style.css")),
    ("inkproof.js", include_str!("../static/inkproof.js")),
    ("search.js", include_str!("../static/search.js")),
    ("search.css", include_str!("../static/search.css")),
    ("favicon.svg", include_str!("../static/favicon.svg")),
];
