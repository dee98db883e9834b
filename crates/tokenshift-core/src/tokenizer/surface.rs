//! Byte spans rebuilt from token ids, for the engine that gives ids only (tokenizers 1.0).
//!
//! Each id stands for known bytes of the text ("surface"): raw bytes for byte-level BPE, the text with
//! "▁" for spaces for SentencePiece-style BPE, `<0xNN>` for one byte, an added token's content. The walk
//! lays the pieces end to end along the text; a record whose pieces do not rebuild its text exactly
//! gets no spans here, and the caller takes the 0.23 path for it. Spans follow 0.23's offsets: a token
//! that covers part of a UTF-8 character spans the whole character, and a lone inserted "▁" spans the
//! character after it. Only the configs `surface_kind` accepts get here: anything that rewrites the
//! text (lower-casing, charsmaps, offset trimming, stripping added tokens) keeps the 0.23 path.

use super::surface_kind::SurfaceKind;

/// What an id stands for in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    Model,
    /// An added token matched before normalization: the text after it is a new section.
    Added,
    /// No known bytes (a gap in the vocabulary, or a token outside the byte-level alphabet).
    Unknown,
}

/// Every id's bytes in one flat buffer.
pub struct Surface {
    kind: SurfaceKind,
    bytes: Vec<u8>,
    /// One entry per id. The walk looks ids up at random across a vocabulary larger than the CPU's
    /// cache, so a piece's bytes sit in its entry when they fit: one cache miss per token, not three.
    pieces: Vec<Piece>,
}

/// Ids whose entries are fetched ahead of the walk.
const WALK_BLOCK: usize = 16;

/// Bytes a piece may hold in its own entry (16 bytes in all).
const INLINE: usize = 12;

#[derive(Debug, Clone, Copy)]
struct Piece {
    /// The bytes when `len <= INLINE`; else the first four are the offset of the bytes in `bytes`.
    data: [u8; INLINE],
    len: u16,
    kind: PieceKind,
}

const _: () = assert!(std::mem::size_of::<Piece>() == 16);

impl Piece {
    const UNKNOWN: Self = Self {
        data: [0; INLINE],
        len: 0,
        kind: PieceKind::Unknown,
    };
}

impl Surface {
    /// `token(id)` is the vocabulary's token string; `added(id)` the content of an added token.
    pub fn new(
        kind: SurfaceKind,
        vocab_size: usize,
        token: impl Fn(u32) -> Option<String>,
        added: impl Fn(u32) -> Option<String>,
    ) -> Self {
        let decoder = byte_level_decoder();
        let mut surface = Self {
            kind,
            bytes: Vec::new(),
            pieces: Vec::with_capacity(vocab_size),
        };
        for id in (0..vocab_size).filter_map(|id| u32::try_from(id).ok()) {
            let start = surface.bytes.len();
            let piece_kind = match (added(id), token(id)) {
                (Some(content), _) => {
                    surface.bytes.extend_from_slice(content.as_bytes());
                    PieceKind::Added
                }
                (None, Some(token)) => match surface.push_model_piece(&token, &decoder) {
                    true => PieceKind::Model,
                    false => PieceKind::Unknown,
                },
                (None, None) => PieceKind::Unknown,
            };
            let piece = surface.stored_piece(start, piece_kind);
            surface.pieces.push(piece);
        }
        surface
    }

    /// The entry for the bytes pushed since `start` (moved into the entry when they fit). A piece too
    /// long or too far into the buffer to record is unknown: texts holding it take the 0.23 path.
    fn stored_piece(&mut self, start: usize, kind: PieceKind) -> Piece {
        let len = self.bytes.len() - start;
        let (Ok(len16), Ok(start32), false) = (
            u16::try_from(len),
            u32::try_from(start),
            kind == PieceKind::Unknown,
        ) else {
            self.bytes.truncate(start);
            return Piece::UNKNOWN;
        };
        let mut data = [0; INLINE];
        if len <= INLINE {
            data[..len].copy_from_slice(&self.bytes[start..]);
            self.bytes.truncate(start);
        } else {
            data[..4].copy_from_slice(&start32.to_le_bytes());
        }
        Piece {
            data,
            len: len16,
            kind,
        }
    }

    /// A piece's bytes.
    #[inline]
    fn piece_bytes<'a>(&'a self, piece: &'a Piece) -> Option<&'a [u8]> {
        let len = usize::from(piece.len);
        if len <= INLINE {
            return piece.data.get(..len);
        }
        let [a, b, c, d, ..] = piece.data;
        let start = u32::from_le_bytes([a, b, c, d]) as usize;
        self.bytes.get(start..start + len)
    }

    fn push_model_piece(&mut self, token: &str, decoder: &[Option<u8>]) -> bool {
        match self.kind {
            SurfaceKind::ByteLevel { .. } => {
                token
                    .chars()
                    .all(|c| match decoder.get(c as usize).copied().flatten() {
                        Some(byte) => {
                            self.bytes.push(byte);
                            true
                        }
                        None => false,
                    })
            }
            SurfaceKind::Metaspace => {
                if let Some(byte) = byte_fallback_byte(token) {
                    self.bytes.push(byte);
                } else {
                    for c in token.chars() {
                        let c = if c == '▁' { ' ' } else { c };
                        self.bytes
                            .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                }
                true
            }
        }
    }

    /// Appends the byte spans of `ids` (the text's own tokens, no post-processor additions) in `text`
    /// to `spans`; or leaves `spans` as it was and returns `None` when the pieces do not rebuild `text`
    /// exactly.
    pub fn spans(&self, text: &str, ids: &[u32], spans: &mut Vec<(usize, usize)>) -> Option<()> {
        if self.kind == (SurfaceKind::ByteLevel { nfc: true }) && !is_nfc(text) {
            return None;
        }
        let before = spans.len();
        let walked = self.walk(text, ids, spans);
        if walked.is_none() {
            spans.truncate(before);
        }
        walked
    }

    fn walk(&self, text: &str, ids: &[u32], spans: &mut Vec<(usize, usize)>) -> Option<()> {
        spans.reserve(ids.len());
        let bytes = text.as_bytes();
        let mut pos = 0;
        // Whether the section of text being walked still owes the "▁" its normalizer prepends.
        let mut owes_prefix = true;
        let metaspace = self.kind == SurfaceKind::Metaspace;
        // Entries are fetched a block ahead of the walk: the fetches do not wait on each other, so
        // their cache misses overlap instead of stalling the walk one by one.
        for block in ids.chunks(WALK_BLOCK) {
            let mut entries = [Piece::UNKNOWN; WALK_BLOCK];
            for (entry, &id) in entries.iter_mut().zip(block) {
                *entry = *self.pieces.get(id as usize)?;
            }
            for entry in &entries[..block.len()] {
                if entry.kind == PieceKind::Unknown {
                    return None;
                }
                let mut piece = self.piece_bytes(entry)?;
                if metaspace && owes_prefix && entry.kind == PieceKind::Model {
                    piece = piece.strip_prefix(b" ")?;
                }
                let end = pos + piece.len();
                if !same_bytes(bytes.get(pos..end)?, piece) {
                    return None;
                }
                // A piece that is only the inserted "▁" is aligned, as in 0.23, with the character
                // after it.
                let span_end = if piece.is_empty() { pos + 1 } else { end };
                if span_end > bytes.len() {
                    return None;
                }
                spans.push((floor_char(text, pos), ceil_char(text, span_end)));
                pos = end;
                owes_prefix = entry.kind == PieceKind::Added;
            }
        }
        (pos == bytes.len()).then_some(())
    }
}

/// Slice equality without a `memcmp` call for the few bytes most pieces have.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    a == b
}

/// `unicode_normalization::is_nfc`, answered at once for text made only of characters that are NFC
/// whatever surrounds them (the check, per character, is a table lookup on the record's hot path).
fn is_nfc(text: &str) -> bool {
    text.chars().all(stays_nfc) || unicode_normalization::is_nfc(text)
}

/// Characters that never change under NFC and combine with nothing (canonical combining class 0,
/// NFC quick check Yes): everything below U+0300, CJK punctuation up to U+3029, CJK ideographs,
/// Hangul syllables, fullwidth ASCII. A test proves each one against `unicode_normalization`.
fn stays_nfc(c: char) -> bool {
    matches!(c, '\0'..='\u{2FF}' | '\u{3000}'..='\u{3029}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}' | '\u{FF01}'..='\u{FF5E}')
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// `<0xNN>`: SentencePiece's byte fallback token for byte NN.
fn byte_fallback_byte(token: &str) -> Option<u8> {
    let hex = token.strip_prefix("<0x")?.strip_suffix('>')?;
    (hex.len() == 2).then(|| u8::from_str_radix(hex, 16).ok())?
}

/// GPT-2's `bytes_to_unicode`, inverted: indexed by char code, the byte it stands for.
pub(super) fn byte_level_decoder() -> Vec<Option<u8>> {
    let mut decoder = vec![None; 512];
    let mut extra = 0;
    for byte in 0..=255u8 {
        let printable = matches!(byte, 0x21..=0x7e | 0xa1..=0xac | 0xae..=0xff);
        let code = if printable {
            usize::from(byte)
        } else {
            extra += 1;
            255 + extra
        };
        decoder[code] = Some(byte);
    }
    decoder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface(kind: SurfaceKind, vocab: &[&str], added: &[&str]) -> Surface {
        let all: Vec<String> = vocab.iter().chain(added).map(|s| s.to_string()).collect();
        Surface::new(
            kind,
            all.len(),
            |id| all.get(id as usize).cloned(),
            |id| (id as usize >= vocab.len()).then(|| all[id as usize].clone()),
        )
    }

    #[test]
    fn byte_level_pieces_cover_whole_characters() {
        // "é" is 0xC3 0xA9: "Ã" and "©" in the byte-level alphabet; "Ġ" is a space.
        let s = surface(
            SurfaceKind::ByteLevel { nfc: false },
            &["a", "Ġ", "Ã", "©"],
            &[],
        );
        let mut spans = Vec::new();
        assert_eq!(s.spans("a é", &[0, 1, 2, 3], &mut spans), Some(()));
        assert_eq!(spans, [(0, 1), (1, 2), (2, 4), (2, 4)]);
        assert_eq!(s.spans("a é!", &[0, 1, 2, 3], &mut spans), None);
        assert_eq!(s.spans("b", &[0], &mut spans), None);
    }

    #[test]
    fn pieces_longer_than_an_entry_holds_are_walked_from_the_shared_buffer() {
        // 20 spaces and a 13-byte added token: both past the 12 bytes kept inline.
        let spaces = "Ġ".repeat(20);
        let s = surface(
            SurfaceKind::ByteLevel { nfc: false },
            &["a", &spaces, "Ġ"],
            &["<|endoftext|>"],
        );
        let text = format!("a{}<|endoftext|> ", " ".repeat(20));
        let mut spans = vec![(9, 9)];
        assert_eq!(s.spans(&text, &[0, 1, 3, 2], &mut spans), Some(()));
        assert_eq!(spans, [(9, 9), (0, 1), (1, 21), (21, 34), (34, 35)]);
        // A long piece that differs in its last byte does not rebuild the text; `spans` is left as it was.
        let near = format!("a{}!<|endoftext|> ", " ".repeat(19));
        assert_eq!(s.spans(&near, &[0, 1, 3, 2], &mut spans), None);
        assert_eq!(spans.len(), 5);
    }

    #[test]
    fn nfc_tokenizers_map_only_nfc_text() {
        let s = surface(SurfaceKind::ByteLevel { nfc: true }, &["e", "Ì", "ģ"], &[]);
        let mut spans = Vec::new();
        assert_eq!(s.spans("e\u{301}", &[0, 1, 2], &mut spans), None);
    }

    #[test]
    fn characters_taken_as_nfc_without_a_lookup_are_nfc_in_any_company() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{is_nfc_quick, IsNormalized};
        let fast: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| stays_nfc(c))
            .collect();
        assert!(fast.len() > 20_000, "the fast set covers CJK text");
        for c in fast {
            assert_eq!(canonical_combining_class(c), 0, "{c:?} combines");
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{c:?} may change under NFC"
            );
        }
        // Next to a combining mark, a fast character leaves the answer to the full check.
        for text in [
            "e\u{301}",
            "가\u{11A8}",
            "中文\u{301}",
            "plain",
            "中文、한국어！",
        ] {
            assert_eq!(
                is_nfc(text),
                unicode_normalization::is_nfc(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn metaspace_prefix_is_owed_once_per_section() {
        let s = surface(
            SurfaceKind::Metaspace,
            &["▁Hi", "▁", "1", "<0x0A>", "▁there"],
            &["</s>"],
        );
        let mut spans = Vec::new();
        // "Hi there</s>\n1" → ▁Hi ▁there </s> ▁ <0x0A> 1 (the section after </s> owes a new "▁").
        assert_eq!(
            s.spans("Hi there</s>\n1", &[0, 4, 5, 1, 3, 2], &mut spans),
            Some(())
        );
        assert_eq!(
            spans,
            [(0, 2), (2, 8), (8, 12), (12, 13), (12, 13), (13, 14)]
        );
        // Without the prefix token the first piece cannot lose its "▁".
        assert_eq!(s.spans("1", &[2], &mut spans), None);
    }

    #[test]
    fn decoder_is_a_bijection_on_bytes() {
        let decoder = byte_level_decoder();
        let mut seen: Vec<u8> = decoder.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..=255).collect::<Vec<u8>>());
        assert_eq!(decoder['Ġ' as usize], Some(b' '));
    }
}
