//! A readable difference between two texts, line by line (the longest common subsequence):
//! what the history of an instruction set shows between two versions.

/// One line of a difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Same(String),
    Removed(String),
    Added(String),
}

/// Lines compared beyond this many on either side are shown as all removed and all added:
/// the table below grows with the product of the two counts.
const MAX_LINES: usize = 2_000;

/// The lines of `before` and `after`, each marked same, removed or added, in reading order.
pub fn lines(before: &str, after: &str) -> Vec<Line> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    if a.len() > MAX_LINES || b.len() > MAX_LINES {
        let removed = a.iter().map(|l| Line::Removed((*l).to_owned()));
        return removed
            .chain(b.iter().map(|l| Line::Added((*l).to_owned())))
            .collect();
    }
    // common[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(Line::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if common[i + 1][j] >= common[i][j + 1] {
            out.push(Line::Removed(a[i].to_owned()));
            i += 1;
        } else {
            out.push(Line::Added(b[j].to_owned()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| Line::Removed((*l).to_owned())));
    out.extend(b[j..].iter().map(|l| Line::Added((*l).to_owned())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_removed_then_added_and_the_rest_stays() {
        let before = "Storingen: vraag adres.\nOffertes naar Sara.\nSpoed: bel Henk.";
        let after = "Storingen: vraag adres.\nOffertes naar Piet.\nSpoed: bel Henk.\nBeurs: hal 7.";
        assert_eq!(
            lines(before, after),
            [
                Line::Same("Storingen: vraag adres.".into()),
                Line::Removed("Offertes naar Sara.".into()),
                Line::Added("Offertes naar Piet.".into()),
                Line::Same("Spoed: bel Henk.".into()),
                Line::Added("Beurs: hal 7.".into()),
            ]
        );
    }

    #[test]
    fn empty_sides_are_all_added_or_all_removed() {
        assert_eq!(
            lines("", "a\nb"),
            [Line::Added("a".into()), Line::Added("b".into())]
        );
        assert_eq!(lines("a", ""), [Line::Removed("a".into())]);
        assert!(lines("", "").is_empty());
    }

    #[test]
    fn very_long_texts_are_compared_whole() {
        let long: String = (0..MAX_LINES + 1).map(|i| format!("{i}\n")).collect();
        let diff = lines(&long, "x");
        assert_eq!(diff.len(), MAX_LINES + 2);
        assert_eq!(diff.last(), Some(&Line::Added("x".into())));
    }
}
