//! A record of every transcript operation on the current thread, for transcript-binding tests
//! (feature `transcript-log`; never in a release build).
//!
//! Bit flips cannot find an adaptive forgery: a proof whose message was chosen after a challenge
//! it should have fixed verifies as well as an honest one. What rules that out is the order of
//! operations: every prover message is absorbed before each challenge that follows it in the
//! protocol. [`record`] logs a verification; [`check_bound`] compares a run on a proof with one
//! message changed to the honest run and says whether the change reached the transcript in time.

use std::cell::RefCell;

/// One transcript operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// A transcript was started with this protocol label.
    Start(Vec<u8>),
    /// Data absorbed under a label.
    Absorb {
        /// The label.
        label: Vec<u8>,
        /// The bytes absorbed.
        data: Vec<u8>,
    },
    /// A challenge squeezed under a label (its value follows from what was absorbed).
    Challenge(Vec<u8>),
}

/// An operation and the transcript it was made on (transcripts numbered in the order they
/// were started during the recording).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Which transcript.
    pub transcript: usize,
    /// What was done.
    pub op: Op,
}

thread_local! {
    static LOG: RefCell<Option<(usize, Vec<Event>)>> = const { RefCell::new(None) };
}

/// Runs `f` and returns its result with every transcript operation it made on this thread.
/// (Work `f` hands to other threads is not seen: run it on a one-thread rayon pool.)
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Vec<Event>) {
    LOG.with(|log| *log.borrow_mut() = Some((0, Vec::new())));
    let out = f();
    let events = LOG
        .with(|log| log.borrow_mut().take())
        .map_or_else(Vec::new, |(_, events)| events);
    (out, events)
}

/// Called by [`Transcript`](crate::Transcript): a no-op unless [`record`] is running.
pub(crate) fn start(label: &[u8]) -> usize {
    LOG.with(|log| match log.borrow_mut().as_mut() {
        Some((count, events)) => {
            let id = *count;
            *count += 1;
            events.push(Event {
                transcript: id,
                op: Op::Start(label.to_vec()),
            });
            id
        }
        None => usize::MAX,
    })
}

pub(crate) fn push(transcript: usize, op: impl FnOnce() -> Op) {
    LOG.with(|log| {
        if let Some((_, events)) = log.borrow_mut().as_mut() {
            events.push(Event {
                transcript,
                op: op(),
            });
        }
    });
}

/// The challenge a message must be absorbed before: the `ordinal`-th challenge labelled
/// `label` (from 0) on transcript number `transcript` of the honest run.
#[derive(Clone, Copy, Debug)]
pub struct Before<'a> {
    /// Which transcript of the run.
    pub transcript: usize,
    /// The challenge's label.
    pub label: &'a [u8],
    /// Which of the challenges with that label.
    pub ordinal: usize,
}

/// Checks that changing one message was seen in time: the first operation in which `tampered`
/// differs from `honest` is an absorption that comes before the challenge `before` — or the
/// tampered run stopped (its verifier rejected) before reaching that challenge. A change that
/// alters nothing, or is first absorbed only after `before`, is a message the prover could choose
/// knowing that challenge: unbound.
pub fn check_bound(honest: &[Event], tampered: &[Event], before: Before<'_>) -> Result<(), String> {
    let limit = honest
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.transcript == before.transcript
                && matches!(&e.op, Op::Challenge(l) if l.as_slice() == before.label)
        })
        .nth(before.ordinal)
        .map(|(i, _)| i)
        .ok_or_else(|| {
            format!(
                "the honest run has no challenge {:?} #{} on transcript {}",
                String::from_utf8_lossy(before.label),
                before.ordinal,
                before.transcript
            )
        })?;
    let first = honest
        .iter()
        .zip(tampered)
        .position(|(h, t)| h != t)
        .unwrap_or(honest.len().min(tampered.len()));
    if first >= limit {
        return Err(match tampered.get(first) {
            None if first == honest.len() => "the change altered no transcript operation".into(),
            Some(e) => format!(
                "the change is first seen at operation {first} ({e:?}), after the challenge at {limit}"
            ),
            None => {
                format!("the run went on past the challenge at {limit} unchanged, then stopped")
            }
        });
    }
    match tampered.get(first) {
        // Stopped before the challenge: rejected on what was already fixed.
        None => Ok(()),
        Some(Event {
            op: Op::Absorb { .. },
            ..
        }) => Ok(()),
        Some(e) => Err(format!(
            "the first difference, at {first}, is not an absorption: {e:?}"
        )),
    }
}
