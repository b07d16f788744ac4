//! The three-character grams behind the name substring search, the same for every engine: a
//! store indexes each job's grams (scoped to its project) and looks a needle up by its grams,
//! then verifies each candidate (a gram match is necessary, not sufficient).

/// Length of a gram, in characters.
pub const GRAM: usize = 3;
/// Most grams a search looks up; more add little selectivity (matches are verified anyway).
pub const MAX_QUERY_GRAMS: usize = 12;

/// Every gram of a folded name, in order (repeats included).
pub fn of(name_fold: &str) -> Vec<String> {
    let chars: Vec<char> = name_fold.chars().collect();
    chars.windows(GRAM).map(|w| w.iter().collect()).collect()
}

/// The grams to look a folded needle up by: distinct, sorted, at most [`MAX_QUERY_GRAMS`]
/// spread over the needle; `None` when the needle is shorter than a gram (then a store
/// verifies every candidate of the project instead).
pub fn of_needle(needle_fold: &str) -> Option<Vec<String>> {
    let mut grams = of(needle_fold);
    if grams.is_empty() {
        return None;
    }
    grams.sort();
    grams.dedup();
    if grams.len() > MAX_QUERY_GRAMS {
        let step = grams.len() as f64 / MAX_QUERY_GRAMS as f64;
        grams = (0..MAX_QUERY_GRAMS)
            .map(|i| grams[(i as f64 * step) as usize].clone())
            .collect();
    }
    Some(grams)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_has_one_gram_per_three_character_window() {
        assert_eq!(of("abcd"), ["abc", "bcd"]);
        assert_eq!(of("ab"), Vec::<String>::new());
        assert_eq!(of("数据复制"), ["数据复", "据复制"]);
    }

    #[test]
    fn a_needle_shorter_than_a_gram_has_no_lookup() {
        assert_eq!(of_needle("ab"), None);
        assert_eq!(of_needle(""), None);
    }

    #[test]
    fn a_long_needle_looks_up_at_most_twelve_distinct_grams() {
        let grams = of_needle("abcdefghijklmnopqrstuvwxyz").expect("long");
        assert_eq!(grams.len(), MAX_QUERY_GRAMS);
        let mut sorted = grams.clone();
        sorted.dedup();
        assert_eq!(sorted, grams, "distinct and sorted");
        assert_eq!(of_needle("aaaaaa").expect("repeats"), ["aaa"]);
    }
}
