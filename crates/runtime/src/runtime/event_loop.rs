//! The runtime task's event loop: waits for media news, stream messages, requests or the earliest
//! deadline, and pumps engine outputs and driver outputs until quiet.

use super::*;

impl Runtime {
    /// The event loop: media news and stream messages first (they report what already happened),
    /// then requests, then the earliest deadline.
    pub(super) async fn run(
        mut self,
        mut requests: mpsc::Receiver<Request>,
        mut rx: mpsc::UnboundedReceiver<Msg>,
    ) {
        loop {
            let deadline = self.next_deadline().map(tokio::time::Instant::from_std);
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let message = tokio::select! {
                biased;
                message = rx.recv() => message,
                request = requests.recv() => request.map(Msg::Request),
                () = sleep => {
                    self.timeout(crate::clock::now());
                    continue;
                }
            };
            match message {
                None | Some(Msg::Shutdown) => break,
                Some(Msg::Request(request)) => self.request(crate::clock::now(), request),
                Some(Msg::Media(news)) => self.media_news(crate::clock::now(), news),
                Some(Msg::Stream(message)) => self.stream_message(crate::clock::now(), message),
                Some(Msg::Stored(signal)) => {
                    if let MediaSignal::Heard { operation, .. } = &signal {
                        self.listeners.finished(*operation);
                    }
                    self.inputs.push_back(Input::Media(signal));
                    self.pump(crate::clock::now());
                }
            }
        }
        self.media.shutdown();
    }
    pub(super) fn next_deadline(&mut self) -> Option<Instant> {
        let engine = self.engine.poll_timeout();
        match (engine, self.legs.first_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    pub(super) fn timeout(&mut self, now: Instant) {
        self.engine.handle_timeout(now);
        let mut due = Vec::new();
        for id in self.legs.due(now) {
            let Some(record) = self.legs.get_mut(&id) else {
                continue;
            };
            match &mut record.driver {
                Driver::Sim(sim) => {
                    if sim.poll_timeout().is_some_and(|at| at <= now) {
                        sim.handle_timeout(now);
                        due.push(id);
                    }
                }
                Driver::Bot {
                    responder: Some(responder),
                    log,
                } => {
                    if let Some(ResponderOutput::Answer) = responder.handle_timeout(now) {
                        log.push(now, LogKind::Responder { what: "answering" });
                        self.inputs
                            .push_back(Input::Command(Command::Answer { leg: id }, Some(id)));
                    }
                }
                Driver::Bot { .. } | Driver::External { .. } => {}
            }
        }
        self.dirty.extend(due);
        self.pump(now);
    }

    // ---- the engine loop ------------------------------------------------------------------
    /// Drains engine outputs and driver outputs, feeding resulting inputs back in, until quiet.
    pub(super) fn pump(&mut self, now: Instant) {
        for _ in 0..MAX_CASCADE {
            while let Some(event) = self.engine.poll_event() {
                self.event(now, event);
            }
            while let Some(action) = self.engine.poll_action() {
                self.action(now, action);
            }
            for leg in std::mem::take(&mut self.dirty) {
                self.drive(now, leg);
            }
            let Some(input) = self.inputs.pop_front() else {
                return;
            };
            self.apply(now, input);
        }
        tracing::warn!("call runtime: input cascade cut short");
    }
    pub(super) fn apply(&mut self, now: Instant, input: Input) {
        match input {
            Input::Endpoint(signal) => {
                let leg = match &signal {
                    EndpointSignal::Answered { leg }
                    | EndpointSignal::Refused { leg, .. }
                    | EndpointSignal::HungUp { leg }
                    | EndpointSignal::Hold { leg, .. }
                    | EndpointSignal::Digits { leg, .. } => *leg,
                };
                if let Err(error) = self.engine.handle_endpoint(now, signal) {
                    self.note(
                        now,
                        leg,
                        format!("engine refused the endpoint signal: {error}"),
                    );
                }
            }
            Input::Media(signal) => {
                if let Err(error) = self.engine.handle_media(now, signal) {
                    tracing::debug!(%error, "media signal refused");
                }
            }
            Input::Command(command, leg) => {
                let announce = matches!(
                    &command,
                    Command::PlayPrompt { client_context, .. } if client_context == responder::CONTEXT
                );
                let result = self.directory.read(|d| {
                    self.engine
                        .handle_command(now, command, &Routing(d), &mut *self.ids)
                });
                match result {
                    Ok(ack) => {
                        if announce {
                            if let (Some(leg), Some(op)) = (leg, ack.operation()) {
                                if let Some(Driver::Bot {
                                    responder: Some(r), ..
                                }) = self.legs.get_mut(&leg).map(|l| &mut l.driver)
                                {
                                    r.announcement_started(op.id);
                                }
                            }
                        }
                    }
                    Err(error) => {
                        if let Some(leg) = leg {
                            self.note(now, leg, format!("engine refused a command: {error}"));
                            if announce {
                                self.responder_fallback(now, leg);
                            }
                        }
                    }
                }
            }
        }
    }
    pub(super) fn note(&mut self, now: Instant, leg: LegId, message: String) {
        if let Some(record) = self.legs.get_mut(&leg) {
            record.note(now, LogKind::Note { message });
        }
    }
    pub(super) fn responder_fallback(&mut self, now: Instant, leg: LegId) {
        let echo = match self.legs.get_mut(&leg).map(|l| &mut l.driver) {
            Some(Driver::Bot {
                responder: Some(r), ..
            }) => r.announcement_failed(),
            _ => None,
        };
        if echo.is_some() {
            self.start_echo(now, leg);
        }
    }
}
