//! A real SMTP server (mailin) in the test process that keeps every message it accepts. It can
//! hold a conversation open at a chosen message, to crash the portal in the middle of one.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Gate {
    /// The 1-based number of the conversation to hold when it reaches DATA.
    hold_at: Option<usize>,
    started: usize,
    holding: bool,
    released: bool,
}

#[derive(Clone, Default)]
pub struct Sink {
    received: Arc<Mutex<Vec<String>>>,
    gate: Arc<(Mutex<Gate>, Condvar)>,
    current: Vec<u8>,
}

impl mailin_embedded::Handler for Sink {
    fn data_start(&mut self, _: &str, _: &str, _: bool, _: &[String]) -> mailin_embedded::Response {
        self.current.clear();
        let (lock, signal) = &*self.gate;
        let mut gate = lock.lock().unwrap();
        gate.started += 1;
        if gate.hold_at == Some(gate.started) {
            gate.holding = true;
            signal.notify_all();
            while !gate.released {
                gate = signal.wait(gate).unwrap();
            }
        }
        mailin_embedded::response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    /// Only a message whose data ended is accepted; a conversation cut short leaves nothing.
    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.received.lock().unwrap().push(message);
        mailin_embedded::response::OK
    }
}

impl Sink {
    /// A sink that will hold the `n`-th conversation at DATA until `release`.
    pub fn holding_at(n: usize) -> Sink {
        let sink = Sink::default();
        sink.gate.0.lock().unwrap().hold_at = Some(n);
        sink
    }

    /// Starts serving on `port` (nothing listens there before: the server is down until now).
    pub fn serve(&self, port: u16) {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let handler = self.clone();
        std::thread::spawn(move || {
            let mut server = mailin_embedded::Server::new(handler);
            server.with_tcp_listener(listener).with_num_threads(4);
            let _ = server.serve();
        });
    }

    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until the held conversation has reached DATA.
    pub fn wait_until_holding(&self, limit: Duration) {
        let (lock, signal) = &*self.gate;
        let gate = lock.lock().unwrap();
        let (gate, _) = signal
            .wait_timeout_while(gate, limit, |g| !g.holding)
            .unwrap();
        assert!(gate.holding, "no conversation reached the held message");
    }

    pub fn release(&self) {
        let (lock, signal) = &*self.gate;
        lock.lock().unwrap().released = true;
        signal.notify_all();
    }
}

/// The outbox id in each message's `Message-ID: <outbox-ID@…>`, in the order received.
pub fn outbox_ids(messages: &[String]) -> Vec<i64> {
    messages
        .iter()
        .map(|m| {
            m.split("<outbox-")
                .nth(1)
                .and_then(|rest| rest.split('@').next())
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("no outbox Message-ID in {m}"))
        })
        .collect()
}
