//! File sizes as readers see them, one rule for messages and pages alike.
//!
//! Readers compare with Explorer and `ls -h`, which count a KB as 1024 bytes
//! and show one decimal; a page that also shows the exact count (`Get-Item`
//! prints bytes) lets a reader tell a truncated download from a rounding.

/// `843 bytes`, `2.1 KB`, `12.3 MB`.
pub fn human(len: u64) -> String {
    const KIB: f64 = 1024.0;
    let n = len as f64;
    match len {
        1 => "1 byte".to_string(),
        0..1024 => format!("{len} bytes"),
        1024..1_048_576 => format!("{:.1} KB", n / KIB),
        _ => format!("{:.1} MB", n / KIB / KIB),
    }
}

/// [`human`], then the exact count when it was rounded:
/// `843 bytes`, `2.1 KB (2,143 bytes)`.
pub fn human_exact(len: u64) -> String {
    if len < 1024 {
        return human(len);
    }
    let digits = len.to_string();
    let mut exact = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            exact.push(',');
        }
        exact.push(c);
    }
    format!("{} ({exact} bytes)", human(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_explorer() {
        assert_eq!(human(0), "0 bytes");
        assert_eq!(human(1), "1 byte");
        assert_eq!(human(1023), "1023 bytes");
        assert_eq!(human(1024), "1.0 KB");
        assert_eq!(human(2143), "2.1 KB");
        assert_eq!(human(1_048_575), "1024.0 KB");
        assert_eq!(human(1_048_576), "1.0 MB");
        assert_eq!(human(10 * 1024 * 1024 * 1024), "10240.0 MB");
    }

    #[test]
    fn exact_counts_follow_rounded_sizes_only() {
        assert_eq!(human_exact(1), "1 byte");
        assert_eq!(human_exact(843), "843 bytes");
        assert_eq!(human_exact(2143), "2.1 KB (2,143 bytes)");
        assert_eq!(human_exact(999_999), "976.6 KB (999,999 bytes)");
        assert_eq!(human_exact(1_234_567), "1.2 MB (1,234,567 bytes)");
    }
}
