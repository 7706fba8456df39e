//! Tests of the runtime task: door code, the request queue, reason names.

use super::*;

/// A door that adopts nothing.
#[derive(Default)]
struct CountingDoor {
    events: usize,
}

impl Door for CountingDoor {
    fn offer(&mut self, _: &mut DoorEnv<'_>, _: &Event) -> Option<crate::Adoption> {
        None
    }

    fn event(&mut self, _: &DoorEnv<'_>, _: &Event) -> bool {
        self.events += 1;
        false
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// A door that is never registered.
struct Absent;

impl Door for Absent {
    fn offer(&mut self, _: &mut DoorEnv<'_>, _: &Event) -> Option<crate::Adoption> {
        None
    }

    fn event(&mut self, _: &DoorEnv<'_>, _: &Event) -> bool {
        false
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[tokio::test]
async fn door_code_runs_in_the_runtime_and_a_panic_does_not_stop_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ringside.db");
    let directory = Arc::new(DirectoryStore::open(&db).expect("store"));
    let services = crate::services::MediaServices::new(
        &crate::config::MediaConfig::default(),
        true,
        dir.path(),
        None,
    )
    .expect("media services");
    let doors = Doors::default().with(CountingDoor::default());
    let options = RuntimeOptions {
        data_dir: dir.path().to_path_buf(),
        media: crate::MediaMode::Manual,
        ids: Box::new(ringside_engine::SequentialIds::new()),
        end_codes: |_| (0, 0, ""),
    };
    let runtime = CallRuntime::start(directory, options, services, doors).expect("runtime");
    let unknown = LegId(ringside_model::Guid::from_u128(7));
    let refused = runtime
        .exec(move |ctx: &mut DoorCtx<'_, CountingDoor>| {
            ctx.command(Command::KeepAlive { leg: unknown })
        })
        .await
        .expect("ran");
    assert_eq!(refused, Err(EngineError::UnknownLeg(unknown)));
    let failed = runtime
        .exec(|_: &mut DoorCtx<'_, CountingDoor>| -> u8 { panic!("door bug") })
        .await;
    assert_eq!(failed, Err(CallError::Unavailable));
    let after = runtime
        .exec(|ctx: &mut DoorCtx<'_, CountingDoor>| ctx.engine().conversation_count())
        .await;
    assert_eq!(after, Ok(0), "the runtime still answers");
    let absent = runtime.exec(|_: &mut DoorCtx<'_, Absent>| 1).await;
    assert_eq!(absent, Err(CallError::Unavailable), "an unregistered door");
    let opened = runtime
        .exec(|ctx: &mut DoorCtx<'_, CountingDoor>| {
            let tenant = ringside_model::TenantId(ringside_model::Guid::from_u128(1));
            let first = ctx.named_conversation("meeting-1", tenant);
            let again = ctx.named_conversation("meeting-1", tenant);
            (first, again)
        })
        .await
        .expect("ran");
    assert!(opened.0.is_ok());
    assert_eq!(opened.0, opened.1, "a name keeps its live conversation");
    runtime.shutdown();
}

#[tokio::test]
async fn a_full_request_queue_refuses_with_busy_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let directory = Arc::new(DirectoryStore::open(dir.path().join("ringside.db")).expect("store"));
    let services = crate::services::MediaServices::new(
        &crate::config::MediaConfig::default(),
        true,
        dir.path(),
        None,
    )
    .expect("media services");
    let options = RuntimeOptions {
        data_dir: dir.path().to_path_buf(),
        media: crate::MediaMode::Manual,
        ids: Box::new(ringside_engine::SequentialIds::new()),
        end_codes: |_| (0, 0, ""),
    };
    let runtime =
        CallRuntime::start(directory, options, services, Doors::default()).expect("runtime");
    // The runtime task cannot run while this test does not yield: the queue fills up.
    let mut answers = Vec::new();
    for _ in 0..REQUEST_QUEUE {
        let (reply, answer) = oneshot::channel();
        assert!(runtime.submit(Request::List { reply }).is_ok());
        answers.push(answer);
    }
    let (reply, _answer) = oneshot::channel();
    assert!(matches!(
        runtime.submit(Request::List { reply }),
        Err(CallError::Busy)
    ));
    // Every accepted request is answered.
    for answer in answers {
        assert!(answer.await.expect("answered").is_ok());
    }
    runtime.shutdown();
}

#[test]
fn reasons_render_in_lower_camel_case() {
    assert_eq!(reason_name(EndReason::RemoteHungUp), "remoteHungUp");
    assert_eq!(
        reason_name(EndReason::Rejected(ringside_engine::RejectReason::Busy)),
        "rejected"
    );
}
