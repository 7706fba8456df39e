//! ACS resources (keys and names) and their event subscriptions.

use super::*;

#[test]
fn acs_resources() {
    use Expect::*;
    check(
        "create",
        &[],
        new_acs(0x302, "other-acs", KEY_C, KEY_B),
        Pass,
    );
    check(
        "duplicate name",
        &[],
        new_acs(0x302, "CONTOSO-ACS", KEY_C, KEY_B),
        Conflict("already exists"),
    );
    check(
        "duplicate id",
        &[],
        new_acs(0x301, "other", KEY_C, KEY_B),
        Conflict("already exists"),
    );
    check(
        "bad name",
        &[],
        new_acs(0x302, "no_underscores", KEY_C, KEY_B),
        Invalid("ACS resource name"),
    );
    check(
        "bad name 2",
        &[],
        new_acs(0x302, "-x", KEY_C, KEY_B),
        Invalid("ACS resource name"),
    );
    check(
        "bad key",
        &[],
        new_acs(0x302, "x", "short", KEY_B),
        Invalid("primary key"),
    );
    check(
        "same keys",
        &[],
        new_acs(0x302, "x", KEY_C, KEY_C),
        Invalid("must differ"),
    );
    let rotate = |key: AcsKeyKind, new_key: &str| Command::RotateAcsKey {
        id: ACS,
        key,
        new_key: new_key.into(),
    };
    let d = check(
        "rotate primary",
        &[],
        rotate(AcsKeyKind::Primary, KEY_C),
        Pass,
    );
    let r = d.acs_resource(ACS).expect("resource");
    assert_eq!(
        (r.primary_key.as_str(), r.secondary_key.as_str()),
        (KEY_C, KEY_B)
    );
    let d = check(
        "rotate secondary",
        &[],
        rotate(AcsKeyKind::Secondary, KEY_C),
        Pass,
    );
    let r = d.acs_resource(ACS).expect("resource");
    assert_eq!(
        (r.primary_key.as_str(), r.secondary_key.as_str()),
        (KEY_A, KEY_C)
    );
    check(
        "rotate to same",
        &[],
        rotate(AcsKeyKind::Primary, KEY_B),
        Invalid("differ"),
    );
    check(
        "rotate bad key",
        &[],
        rotate(AcsKeyKind::Primary, "!!"),
        Invalid("base64"),
    );
    check(
        "rotate missing",
        &[],
        Command::RotateAcsKey {
            id: AcsResourceId(MISSING),
            key: AcsKeyKind::Primary,
            new_key: KEY_C.into(),
        },
        NotFound("ACS resource"),
    );
    assert_eq!(AcsKeyKind::parse("Secondary"), Some(AcsKeyKind::Secondary));
    assert_eq!(AcsKeyKind::parse("tertiary"), None);
}

fn new_subscription(name: &str, endpoint: &str, types: &[&str]) -> Command {
    Command::CreateEventSubscription {
        id: g(0x401),
        resource: ACS,
        name: name.into(),
        endpoint: endpoint.into(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        schema: crate::EventDeliverySchema::EventGrid,
        to_raw_ids: BTreeSet::new(),
    }
}

const INCOMING: &str = "Microsoft.Communication.IncomingCall";

#[test]
fn event_subscriptions() {
    use Expect::*;
    let created = check(
        "create",
        &[],
        new_subscription("incoming", "https://bot.example.com/events", &[INCOMING]),
        Pass,
    );
    assert_eq!(created.event_subscriptions(ACS).count(), 1);
    let existing = [new_subscription(
        "incoming",
        "https://a.example.com/e",
        &[INCOMING],
    )];
    check(
        "duplicate name (case-insensitive)",
        &existing,
        new_subscription("INCOMING", "https://bot.example.com/events", &[INCOMING]),
        Conflict("already has an event subscription"),
    );
    check(
        "unknown resource",
        &[],
        Command::CreateEventSubscription {
            id: g(0x402),
            resource: AcsResourceId(MISSING),
            name: "x-y-z".into(),
            endpoint: "https://a.example.com/e".into(),
            event_types: [INCOMING.to_string()].into(),
            schema: crate::EventDeliverySchema::CloudEvents,
            to_raw_ids: BTreeSet::new(),
        },
        NotFound("does not exist"),
    );
    check(
        "bad name",
        &[],
        new_subscription("a_b", "https://a.example.com/e", &[INCOMING]),
        Invalid("event subscription name"),
    );
    check(
        "plain http off loopback",
        &[],
        new_subscription("abc", "http://a.example.com/e", &[INCOMING]),
        Invalid("http:// is allowed only"),
    );
    check(
        "no event types",
        &[],
        new_subscription("abc", "https://a.example.com/e", &[]),
        Invalid("at least one event type"),
    );
    check(
        "foreign event type",
        &[],
        new_subscription(
            "abc",
            "https://a.example.com/e",
            &["Microsoft.Storage.BlobCreated"],
        ),
        Invalid("not an ACS event type"),
    );
    let deleted = check(
        "delete",
        &existing,
        Command::DeleteEventSubscription {
            resource: ACS,
            name: "Incoming".into(),
        },
        Pass,
    );
    assert_eq!(deleted.event_subscriptions(ACS).count(), 0);
    check(
        "delete missing",
        &[],
        Command::DeleteEventSubscription {
            resource: ACS,
            name: "nope".into(),
        },
        NotFound("no event subscription"),
    );
}
