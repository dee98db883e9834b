//! Renders a chat template the way Transformers' `apply_chat_template` does: Jinja with `trim_blocks`,
//! `lstrip_blocks` and loop controls, Python string methods, `raise_exception`, `strftime_now`, and a
//! `tojson` that writes like Python's `json.dumps(ensure_ascii=False)`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, Error as JinjaError, ErrorKind, Value};
use serde_json::Value as Json;

use super::budget::{input_bytes, RenderBudget, RENDER_FUEL_BASE, RENDER_FUEL_PER_INPUT_BYTE};
use super::strftime::strftime_now;
use super::text_allowance::python_methods;
use super::tojson::tojson;
use crate::error::{Error, Result};

const NAME: &str = "chat_template";

/// What a template sees.
#[derive(Debug, Clone, Default)]
pub struct RenderInput<'a> {
    pub messages: &'a Json,
    pub add_generation_prompt: bool,
    pub tools: Option<&'a Json>,
    pub documents: Option<&'a Json>,
    /// `bos_token`, `eos_token`, … as strings.
    pub special_tokens: Vec<(&'static str, String)>,
}

/// minijinja's fuel is set per environment, so the template is compiled once per budget tier and each
/// render runs in the largest tier its record's remaining budget covers (the smallest at least).
const FUEL_TIERS: [u64; 5] = [1 << 20, 1 << 22, 1 << 24, 1 << 26, 1 << 28];

pub struct ChatTemplate {
    source: String,
    /// Compiled on first use: most records only ever need the smallest tier.
    tiers: [(u64, OnceLock<Environment<'static>>); FUEL_TIERS.len()],
}

impl ChatTemplate {
    pub fn new(source: &str) -> Result<Self> {
        // Compiled now, so a broken template fails here rather than at the first record.
        let smallest = Self::environment(source, FUEL_TIERS[0])?;
        let tiers = FUEL_TIERS.map(|fuel| (fuel, OnceLock::new()));
        let _ = tiers[0].1.set(smallest);
        Ok(Self {
            source: source.to_owned(),
            tiers,
        })
    }

    fn tier(&self, remaining: u64) -> Result<&Environment<'static>> {
        let (fuel, slot) = self
            .tiers
            .iter()
            .rev()
            .find(|(fuel, _)| *fuel <= remaining)
            .unwrap_or(&self.tiers[0]);
        if let Some(env) = slot.get() {
            return Ok(env);
        }
        let env = Self::environment(&self.source, *fuel)?;
        Ok(slot.get_or_init(|| env))
    }

    fn environment(source: &str, fuel: u64) -> Result<Environment<'static>> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| template_error("cannot be configured", &e))?;
        env.set_syntax(syntax);
        env.set_fuel(Some(fuel));
        env.set_unknown_method_callback(python_methods);
        env.add_function("raise_exception", raise_exception);
        env.add_function("strftime_now", strftime_now);
        env.add_filter("tojson", tojson);
        env.add_template_owned(NAME, source.to_owned())
            .map_err(|e| template_error("cannot be compiled", &e))?;
        Ok(env)
    }

    /// Renders with a fresh budget sized for this input (one render, e.g. `apply_chat_template`).
    pub fn render(&self, input: &RenderInput) -> Result<String> {
        let mut budget = RenderBudget::for_input(input_bytes(input));
        self.render_within(input, &mut budget)
    }

    /// Renders, charging the work to `budget`; fails once the budget is spent.
    pub fn render_within(&self, input: &RenderInput, budget: &mut RenderBudget) -> Result<String> {
        let values = RenderValues::new(input);
        let all = values.items.len();
        self.render_values_within(&values, all, input.add_generation_prompt, budget)
    }

    /// Renders the first `upto` messages of `values` (all of them from `upto` = their count on), charging
    /// the work to `budget`.
    pub fn render_values_within(
        &self,
        values: &RenderValues,
        upto: usize,
        add_generation_prompt: bool,
        budget: &mut RenderBudget,
    ) -> Result<String> {
        if budget.remaining == 0 {
            return Err(out_of_fuel(budget));
        }
        let env = self.tier(budget.remaining)?;
        let template = env
            .get_template(NAME)
            .map_err(|e| template_error("is missing", &e))?;
        let captured = template
            .render_captured(values.context(upto, add_generation_prompt))
            .map_err(|e| {
                if e.kind() == ErrorKind::OutOfFuel {
                    budget.remaining = 0;
                    out_of_fuel(budget)
                } else {
                    template_error("failed to render", &e)
                }
            })?;
        let consumed = captured.state().fuel_levels().map_or(0, |(used, _)| used);
        budget.remaining = budget.remaining.saturating_sub(consumed);
        Ok(captured.into_output())
    }
}

/// A record's template inputs, converted to template values once: the prefix renders of a conversation
/// share them instead of copying the conversation per render.
pub struct RenderValues {
    /// The messages as given (a list unless the caller passed something else) and, for a list, its items.
    messages: Value,
    items: Vec<Value>,
    tools: Option<Value>,
    documents: Option<Value>,
    special_tokens: Vec<(&'static str, Value)>,
}

impl RenderValues {
    pub fn new(input: &RenderInput) -> Self {
        let messages = Value::from(Serde(input.messages));
        let items = match input.messages.is_array() {
            true => messages
                .try_iter()
                .map(Iterator::collect)
                .unwrap_or_default(),
            false => Vec::new(),
        };
        Self {
            messages,
            items,
            tools: input.tools.map(|t| Value::from(Serde(t))),
            documents: input.documents.map(|d| Value::from(Serde(d))),
            special_tokens: input
                .special_tokens
                .iter()
                .map(|(name, value)| (*name, Value::from(value.as_str())))
                .collect(),
        }
    }

    /// The template's context with the first `upto` messages.
    fn context(&self, upto: usize, add_generation_prompt: bool) -> Value {
        let messages = match upto < self.items.len() {
            true => Value::from(self.items[..upto].to_vec()),
            false => self.messages.clone(),
        };
        let mut context: BTreeMap<&'static str, Value> = BTreeMap::from([
            ("messages", messages),
            ("add_generation_prompt", Value::from(add_generation_prompt)),
        ]);
        context.extend(self.tools.clone().map(|t| ("tools", t)));
        context.extend(self.documents.clone().map(|d| ("documents", d)));
        context.extend(self.special_tokens.iter().cloned());
        Value::from_object(context)
    }
}

fn out_of_fuel(budget: &RenderBudget) -> Error {
    template_error_text(&format!(
        "exceeded its work limit ({} fuel for this record: {RENDER_FUEL_BASE} + {RENDER_FUEL_PER_INPUT_BYTE} per byte of the conversation); a template that loops, recurses or builds large strings this much is not a chat template",
        budget.total
    ))
}

fn template_error_text(message: &str) -> Error {
    Error::InvalidOption {
        option: "chat_template".into(),
        message: format!("chat template {message}"),
    }
}

impl ChatTemplate {
    /// Renders from a JSON context `{messages, add_generation_prompt, tools?, documents?, bos_token?, …}`.
    pub fn render_context_json(&self, context_json: &str) -> Result<String> {
        let context: Json = serde_json::from_str(context_json).map_err(|e| Error::Json {
            source_name: "chat template context".into(),
            message: e.to_string(),
        })?;
        let empty = Json::Array(Vec::new());
        let special_tokens = SPECIAL_TOKEN_NAMES
            .into_iter()
            .filter_map(|name| {
                context
                    .get(name)
                    .and_then(Json::as_str)
                    .map(|v| (name, v.to_owned()))
            })
            .collect();
        self.render(&RenderInput {
            messages: context.get("messages").unwrap_or(&empty),
            add_generation_prompt: context
                .get("add_generation_prompt")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            tools: context.get("tools").filter(|v| !v.is_null()),
            documents: context.get("documents").filter(|v| !v.is_null()),
            special_tokens,
        })
    }
}

/// Special-token variables templates read.
pub const SPECIAL_TOKEN_NAMES: [&str; 4] = ["bos_token", "eos_token", "pad_token", "unk_token"];

fn template_error(what: &str, error: &JinjaError) -> Error {
    let mut message = format!("chat template {what}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let _ = write!(message, ": {inner}");
        source = inner.source();
    }
    Error::InvalidOption {
        option: "chat_template".into(),
        message,
    }
}

fn raise_exception(message: String) -> std::result::Result<Value, JinjaError> {
    Err(JinjaError::new(ErrorKind::InvalidOperation, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(source: &str, messages: Json) -> String {
        ChatTemplate::new(source)
            .expect("compiles")
            .render(&RenderInput {
                messages: &messages,
                special_tokens: vec![("eos_token", "</s>".into())],
                ..RenderInput::default()
            })
            .expect("renders")
    }

    #[test]
    fn trims_blocks_like_transformers() {
        let t = "{% for m in messages %}\n  {% if m.role == 'user' %}\n[{{ m.content | trim }}]{{ eos_token }}\n  {% endif %}\n{% endfor %}";
        assert_eq!(
            render(t, json!([{"role": "user", "content": " hi "}])),
            "[hi]</s>\n"
        );
    }

    #[test]
    fn python_string_methods_and_tojson() {
        let t = "{{ messages[0].content.split('</think>')[-1].lstrip('\\n') }}|{{ messages[0].tool | tojson }}";
        let out = render(
            t,
            json!([{"content": "a</think>\n\nb", "tool": {"b": 1, "a": [1.5, "é<"]}}]),
        );
        assert_eq!(out, "b|{\"b\": 1, \"a\": [1.5, \"é<\"]}");
    }

    #[test]
    fn raise_exception_is_an_error_with_its_message() {
        let err = ChatTemplate::new("{{ raise_exception('only user/assistant roles') }}")
            .expect("compiles")
            .render(&RenderInput {
                messages: &json!([]),
                ..RenderInput::default()
            })
            .expect_err("must fail");
        assert!(
            err.to_string().contains("only user/assistant roles"),
            "{err}"
        );
    }

    /// Template bombs from the hostile-input probe: each must fail with an error, fast, never abort.
    const BOMBS: [(&str, &str); 6] = [
        ("string doubling", "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"),
        ("list doubling", "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}"),
        ("nested loops", "{% for a in range(100000) %}{% for b in range(100000) %}{{ b }}{% endfor %}{% endfor %}"),
        ("huge range", "{% for i in range(1000000000) %}{{ i }}{% endfor %}"),
        ("recursion", "{% macro f(n) %}{{ f(n ~ n) }}{% endmacro %}{{ f('x') }}"),
        ("output flood", "{% for a in range(100000) %}{{ 'x' * 1000000 }}{% endfor %}"),
    ];

    #[test]
    fn template_bombs_fail_with_an_error_instead_of_exhausting_memory_or_time() {
        for (kind, source) in BOMBS {
            let template = ChatTemplate::new(source).expect("compiles");
            let started = std::time::Instant::now();
            let result = template.render(&RenderInput {
                messages: &json!([{"role": "user", "content": "hello"}]),
                ..Default::default()
            });
            let error = result.expect_err(kind).to_string();
            assert!(
                error.starts_with("invalid option `chat_template`"),
                "{kind}: {error}"
            );
            assert!(
                started.elapsed().as_secs() < 10,
                "{kind} took {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn a_record_budget_is_shared_by_its_renders() {
        let template = ChatTemplate::new("{% for m in messages %}{{ m.content }}{% endfor %}")
            .expect("compiles");
        let messages = json!([{"role": "user", "content": "x".repeat(1000)}]);
        let input = RenderInput {
            messages: &messages,
            ..Default::default()
        };
        let mut budget = RenderBudget {
            total: 100,
            remaining: 100,
        };
        let mut renders = 0;
        while template.render_within(&input, &mut budget).is_ok() {
            renders += 1;
            assert!(renders < 100, "the budget never ran out");
        }
        assert!(budget.remaining == 0);
        assert!(template
            .render_within(&input, &mut budget)
            .expect_err("spent")
            .to_string()
            .contains("work limit"));
    }
}
