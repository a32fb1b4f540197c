//! The HTTP API's request bodies and how their fields become protocol values: the only code
//! that reads a client's JSON, kept apart from the handlers so it can be fuzzed alone.

use std::fmt;

use base64::Engine;
use serde::Deserialize;

use crate::protocol::State;
use origami_keys::{FieldError, parse_field};

/// A request field that does not say what the API needs.
#[derive(Debug, thiserror::Error)]
pub enum BadRequest {
    /// A state with another number of elements than the circuit's.
    #[error("{what} has {got} elements, but {circuit} has a state of {arity}")]
    Arity {
        /// Which field.
        what: &'static str,
        /// Elements given.
        got: usize,
        /// The service's circuit.
        circuit: String,
        /// Its arity.
        arity: usize,
    },
    /// An element that is not a field element.
    #[error("{what}[{index}]: {reason}")]
    Element {
        /// Which field.
        what: &'static str,
        /// Which element.
        index: usize,
        /// Why.
        reason: FieldError,
    },
    /// The proof is not base64.
    #[error("proof is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The job's input is not base64.
    #[error("input is not base64: {0}")]
    InputBase64(base64::DecodeError),
}

/// A field element in a request: a JSON number, or a string (`0x…` hex or decimal).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A JSON number.
    Number(u64),
    /// `0x…` hex or decimal text.
    Text(String),
}

/// The body of `POST /v1/jobs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobBody {
    /// `synthetic`, `poseidon-chain`, `sha256-chain`, `minroot` or `sha256-file`.
    pub circuit: String,
    /// The step size; the keys' size when left out.
    pub size: Option<usize>,
    /// Steps to prove; for a circuit that reads input, the input decides (and this, if given,
    /// must agree).
    pub steps: Option<u64>,
    /// The steps' input, base64 (sha256-file: the file).
    pub input: Option<String>,
    /// Shards to prove them in.
    #[serde(default = "one")]
    pub shards: u32,
    /// The initial state; the circuit's default when left out.
    pub z0: Option<Vec<FieldValue>>,
}

fn one() -> u32 {
    1
}

impl JobBody {
    /// Bytes the base64 `input` decodes to, at most: known before decoding it.
    pub fn input_len_bound(&self) -> usize {
        self.input.as_ref().map_or(0, |text| text.len() / 4 * 3 + 3)
    }

    /// The decoded input (empty when none was given).
    pub fn input_bytes(&self) -> Result<Vec<u8>, BadRequest> {
        match &self.input {
            None => Ok(Vec::new()),
            Some(text) => base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(BadRequest::InputBase64),
        }
    }
}

/// The body of `POST /v1/verify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// The proof file, base64.
    pub proof: String,
    /// The state the run starts from; the circuit's default initial state (for sha256-file,
    /// SHA-256's) when left out.
    pub z0: Option<Vec<FieldValue>>,
    /// The steps the proof must cover.
    pub steps: u64,
}

impl VerifyBody {
    /// The proof file's bytes.
    pub fn proof_bytes(&self) -> Result<Vec<u8>, BadRequest> {
        Ok(base64::engine::general_purpose::STANDARD.decode(self.proof.trim())?)
    }
}

/// The state `values` name, checked against the circuit's `arity`.
pub fn parse_state(
    circuit: &dyn fmt::Display,
    arity: usize,
    what: &'static str,
    values: &[FieldValue],
) -> Result<State, BadRequest> {
    if values.len() != arity {
        return Err(BadRequest::Arity {
            what,
            got: values.len(),
            circuit: circuit.to_string(),
            arity,
        });
    }
    values
        .iter()
        .enumerate()
        .map(|(index, v)| match v {
            FieldValue::Number(n) => Ok((*n).into()),
            FieldValue::Text(t) => parse_field(t).map_err(|reason| BadRequest::Element {
                what,
                index,
                reason,
            }),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(State)
}
