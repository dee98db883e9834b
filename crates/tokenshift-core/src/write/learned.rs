//! The per-token loss mask of formats that store token arrays with a separate mask (Megatron's loss-mask
//! dataset, OLMo's `label_mask`): byte `i` is 1 when token `i` of the row is a trained target, i.e. the
//! model is taught to predict it from the tokens before it in the row. The trainers shift inside their
//! loss (`labels = tokens[1:]`, `mask[1:]`), so the mask is the same whichever convention the rows'
//! labels were written in, and the first token of a row is never a target.

use crate::prepare::Shift;

/// Appends one byte per token of a row whose labels follow `shift`.
pub fn push_learned(out: &mut Vec<u8>, labels: &[i32], shift: Shift, ignore_index: i32) {
    if labels.is_empty() {
        return;
    }
    out.push(0);
    let targets = match shift {
        // labels[i] is token i itself where it is trained.
        Shift::Model => &labels[1..],
        // labels[i] is token i + 1 where that one is trained.
        Shift::Data => &labels[..labels.len() - 1],
    };
    out.extend(targets.iter().map(|&l| u8::from(l != ignore_index)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_conventions_give_the_same_mask() {
        // ids 10 11 12 13, the prompt 10 11 masked.
        let model = [-100, -100, 12, 13];
        let data = [-100, 12, 13, -100];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        push_learned(&mut a, &model, Shift::Model, -100);
        push_learned(&mut b, &data, Shift::Data, -100);
        assert_eq!(a, [0, 0, 1, 1]);
        assert_eq!(a, b);
    }

    #[test]
    fn the_first_token_is_never_a_target() {
        let mut out = Vec::new();
        push_learned(&mut out, &[5, 6], Shift::Model, -100);
        push_learned(&mut out, &[7], Shift::Data, -100);
        assert_eq!(out, [0, 1, 0]);
    }
}
