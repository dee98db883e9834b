//! Chat conversations: rendering with the model's Jinja chat template, as Transformers renders it.

pub mod conversation;
pub mod template;
pub mod turns;

pub use template::{ChatTemplate, RenderInput};
