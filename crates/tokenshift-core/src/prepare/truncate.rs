//! Stage 4: fitting a row into `max_length`, after labels are decided on the whole sequence.

use super::options::Truncation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Fits,
    Truncated,
    /// Longer than `max_length` under `Truncation::Drop`.
    TooLong,
}

/// Truncates `ids` and `labels` together; they always keep the same length.
pub fn truncate(
    ids: &mut Vec<i32>,
    labels: &mut Vec<i32>,
    max_length: Option<u32>,
    truncation: Truncation,
) -> Fit {
    let Some(max) = max_length.map(|m| m as usize) else {
        return Fit::Fits;
    };
    if ids.len() <= max {
        return Fit::Fits;
    }
    match truncation {
        Truncation::Right => {
            ids.truncate(max);
            labels.truncate(max);
        }
        Truncation::Left => {
            let cut = ids.len() - max;
            ids.drain(..cut);
            labels.drain(..cut);
        }
        Truncation::Drop => return Fit::TooLong,
    }
    Fit::Truncated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_left_and_drop() {
        let (mut ids, mut labels) = (vec![1, 2, 3, 4], vec![-1, 2, 3, 4]);
        assert_eq!(
            truncate(&mut ids, &mut labels, Some(2), Truncation::Right),
            Fit::Truncated
        );
        assert_eq!((ids, labels), (vec![1, 2], vec![-1, 2]));
        let (mut ids, mut labels) = (vec![1, 2, 3, 4], vec![-1, 2, 3, 4]);
        assert_eq!(
            truncate(&mut ids, &mut labels, Some(3), Truncation::Left),
            Fit::Truncated
        );
        assert_eq!((ids, labels), (vec![2, 3, 4], vec![2, 3, 4]));
        let (mut ids, mut labels) = (vec![1, 2, 3], vec![1, 2, 3]);
        assert_eq!(
            truncate(&mut ids, &mut labels, Some(2), Truncation::Drop),
            Fit::TooLong
        );
        assert_eq!(
            truncate(&mut ids, &mut labels, Some(3), Truncation::Drop),
            Fit::Fits
        );
        assert_eq!(
            truncate(&mut ids, &mut labels, None, Truncation::Right),
            Fit::Fits
        );
    }
}
