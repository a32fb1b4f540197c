//! Child processes of the API process: started, talked to over their stdin and stdout, and
//! started again when they die.

use std::ffi::OsString;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::locked;
use crate::protocol::{read_frame, write_frame};

/// How a child process is started: a program and its arguments (the `origami` binary itself,
/// with the hidden subcommand that runs the child's loop).
#[derive(Clone, Debug)]
pub struct ChildCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// Why a child could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// It is not running (being restarted) and did not come back in time.
    #[error("the {0} process is not running (it is being restarted); try again shortly")]
    Down(&'static str),
    /// It died, or broke the protocol, while answering; it is being restarted.
    #[error("the {0} process stopped while answering (it is being restarted); try again")]
    Died(&'static str),
}

/// The pipes to a running child.
pub struct Link {
    /// The child's stdin.
    pub stdin: ChildStdin,
    /// The child's stdout.
    pub stdout: BufReader<ChildStdout>,
}

impl Link {
    /// Sends `request` and reads the answer.
    pub fn ask<Q: Serialize, A: DeserializeOwned>(&mut self, request: &Q) -> std::io::Result<A> {
        write_frame(&mut self.stdin, request)?;
        self.read()
    }

    /// Reads one message the child sends unasked (its greeting).
    pub fn read<A: DeserializeOwned>(&mut self) -> std::io::Result<A> {
        read_frame(&mut self.stdout)?.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the process closed its output",
            )
        })
    }
}

/// What is done with a freshly started child before it takes requests.
pub type Handshake = Box<dyn Fn(&mut Link) -> Result<(), String> + Send + Sync>;

/// A child process kept running.
pub struct Supervised {
    name: &'static str,
    link: Mutex<Option<Link>>,
    link_changed: Condvar,
    child: Mutex<Option<Child>>,
    pid: AtomicU32,
    restarts: AtomicU64,
}

impl Supervised {
    /// Starts the child and its supervising thread. Returns once the first start's handshake
    /// succeeded, or with its error (a service that cannot start its children should not run).
    /// `after_restart` runs after every later start, once the child takes requests.
    pub fn start(
        name: &'static str,
        command: ChildCommand,
        handshake: Handshake,
        after_restart: Box<dyn Fn() + Send>,
    ) -> Result<Arc<Self>, String> {
        let this = Arc::new(Self {
            name,
            link: Mutex::new(None),
            link_changed: Condvar::new(),
            child: Mutex::new(None),
            pid: AtomicU32::new(0),
            restarts: AtomicU64::new(0),
        });
        this.launch(&command, &handshake)?;
        let supervisor = this.clone();
        std::thread::spawn(move || supervisor.supervise(&command, &handshake, &*after_restart));
        Ok(this)
    }

    /// The process's name (`prover`, `verifier`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The running child's process id; `None` while it is being restarted.
    pub fn pid(&self) -> Option<u32> {
        Some(self.pid.load(Ordering::SeqCst)).filter(|&p| p != 0)
    }

    /// How many times the child was started again after dying.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::SeqCst)
    }

    /// Sends `request` and returns the answer, waiting up to `wait` for a child being restarted.
    /// Requests are answered one at a time.
    pub fn ask<Q: Serialize, A: DeserializeOwned>(
        &self,
        request: &Q,
        wait: Duration,
    ) -> Result<A, ChildError> {
        let deadline = Instant::now() + wait;
        let mut link = locked(&self.link);
        loop {
            if let Some(l) = link.as_mut() {
                return match l.ask(request) {
                    Ok(answer) => Ok(answer),
                    Err(e) => {
                        eprintln!("serve: the {} process failed to answer: {e}", self.name);
                        *link = None;
                        // A child that broke the protocol but lives on is stopped, so that the
                        // supervisor starts a fresh one.
                        if let Some(child) = locked(&self.child).as_mut() {
                            let _ = child.kill();
                        }
                        Err(ChildError::Died(self.name))
                    }
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ChildError::Down(self.name));
            }
            link = self
                .link_changed
                .wait_timeout(link, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Starts the child and shakes hands; on success it takes requests.
    fn launch(&self, command: &ChildCommand, handshake: &Handshake) -> Result<(), String> {
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", command.program.display()))?;
        let pipes = child.stdin.take().zip(child.stdout.take());
        let Some((stdin, stdout)) = pipes else {
            let _ = child.kill();
            return Err("the child's pipes were not set up".into());
        };
        let mut link = Link {
            stdin,
            stdout: BufReader::new(stdout),
        };
        if let Err(reason) = handshake(&mut link) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(reason);
        }
        self.pid.store(child.id(), Ordering::SeqCst);
        *locked(&self.child) = Some(child);
        *locked(&self.link) = Some(link);
        self.link_changed.notify_all();
        Ok(())
    }

    /// Waits for the child to exit and starts it again, backing off while it keeps failing.
    fn supervise(&self, command: &ChildCommand, handshake: &Handshake, after_restart: &dyn Fn()) {
        let mut backoff = Duration::from_millis(100);
        let mut started = Instant::now();
        loop {
            let status = loop {
                std::thread::sleep(Duration::from_millis(50));
                match locked(&self.child).as_mut().map(Child::try_wait) {
                    Some(Ok(Some(status))) => break status.to_string(),
                    Some(Ok(None)) => {}
                    Some(Err(e)) => break e.to_string(),
                    None => break "not started".to_string(),
                }
            };
            self.pid.store(0, Ordering::SeqCst);
            *locked(&self.child) = None;
            *locked(&self.link) = None;
            eprintln!("serve: the {} process exited ({status})", self.name);
            loop {
                // A child that ran a while gets an immediate restart; one that keeps dying at
                // start waits longer each time (up to 10 s).
                if started.elapsed() > Duration::from_secs(30) {
                    backoff = Duration::from_millis(100);
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(10));
                started = Instant::now();
                match self.launch(command, handshake) {
                    Ok(()) => {
                        self.restarts.fetch_add(1, Ordering::SeqCst);
                        eprintln!(
                            "serve: the {} process started again (pid {})",
                            self.name,
                            self.pid().unwrap_or(0)
                        );
                        after_restart();
                        break;
                    }
                    Err(reason) => {
                        eprintln!("serve: the {} process failed to start: {reason}", self.name)
                    }
                }
            }
        }
    }
}
