//! Chat conversations: rendering with the model's Jinja chat template, as Transformers renders it.

pub mod budget;
pub mod conversation;
mod strftime;
pub mod template;
mod text_allowance;
mod tojson;
mod turn_starts;
pub mod turns;

pub use template::{ChatTemplate, RenderInput};
