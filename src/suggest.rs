//! "Did you mean": the valid names nearest to what was typed, so that a message can offer the
//! right spelling first (`little_gaint` -> `little_giant`; 专精特新小巨人企业 -> 国家级专精特新“小巨人”
//! 企业) instead of the whole list.

/// The candidates nearest to `typed`, nearest first, at most three. Each candidate is a name
/// and all its spellings (the name itself, labels, aliases). A spelling is near when, compared
/// folded and without punctuation, it is a few edits away (a third of its length, at least
/// one; a transposition is one edit) or one contains the other.
pub fn nearest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
) -> Vec<&'a str> {
    let typed = plain(typed);
    if typed.is_empty() {
        return Vec::new();
    }
    let mut near: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|(name, spellings)| {
            let score = spellings
                .iter()
                .filter_map(|s| distance(&typed, &plain(s)))
                .min()?;
            Some((score, name))
        })
        .collect();
    near.sort_by_key(|&(score, _)| score);
    near.dedup_by_key(|&mut (_, name)| name);
    near.into_iter().take(3).map(|(_, name)| name).collect()
}

/// How far a spelling is from what was typed, when it is near at all.
fn distance(typed: &str, spelling: &str) -> Option<usize> {
    if spelling.is_empty() {
        return None;
    }
    if typed == spelling {
        return Some(0);
    }
    let len = spelling.chars().count().max(typed.chars().count());
    let edits = strsim::osa_distance(typed, spelling);
    if edits <= (len / 3).max(1) {
        return Some(edits);
    }
    let contained =
        typed.chars().count() >= 2 && (spelling.contains(typed) || typed.contains(spelling));
    contained.then_some(len)
}

/// Folded (width, case) and without spaces, punctuation or underscores.
fn plain(text: &str) -> String {
    crate::fold::key(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles() -> Vec<(&'static str, Vec<&'static str>)> {
        vec![
            (
                "little_giant",
                vec!["little_giant", "国家级专精特新“小巨人”企业"],
            ),
            (
                "specialized_sme",
                vec!["specialized_sme", "省级专精特新中小企业"],
            ),
            (
                "single_champion",
                vec!["single_champion", "制造业单项冠军企业"],
            ),
            (
                "poc_center",
                vec!["poc_center", "省级人工智能领域概念验证中心"],
            ),
        ]
    }

    #[test]
    fn a_misspelling_finds_its_name_first() {
        assert_eq!(nearest("little_gaint", titles()), ["little_giant"]);
        assert_eq!(nearest("LITTLE GIANT", titles()), ["little_giant"]);
        assert_eq!(nearest("poc_centre", titles()), ["poc_center"]);
        assert_eq!(nearest("专精特新小巨人企业", titles()), ["little_giant"]);
        assert_eq!(nearest("单项冠军", titles()), ["single_champion"]);
    }

    #[test]
    fn nothing_near_is_nothing() {
        assert!(nearest("hidden", titles()).is_empty());
        assert!(nearest("", titles()).is_empty());
        assert!(nearest("“”", titles()).is_empty());
    }
}
