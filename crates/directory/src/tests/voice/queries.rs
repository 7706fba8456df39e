//! The gateway's queries (outbound routing order, inbound trunks), SIP credentials, Direct Routing
//! number assignment, and snapshots of Direct Routing records.

use super::*;

/// Two gateways and three routes; Global uses `Local` then `Intl`; `Sales` uses `Intl` only.
fn routed() -> Directory {
    let mut d = fixture();
    let mut disabled = gw("off.contoso.com");
    disabled.enabled = false;
    let commands = [
        new_gw("a.contoso.com"),
        new_gw("b.contoso.com"),
        Command::NewPstnGateway { gateway: disabled },
        usages(&["Local", "Intl"], &[]),
        route(
            "intl",
            r"^\+",
            &["b.contoso.com", "a.contoso.com"],
            Some(5),
            &["Intl"],
        ),
        route(
            "local-2",
            r"^\+1425",
            &["off.contoso.com", "b.contoso.com"],
            Some(2),
            &["Local"],
        ),
        route(
            "local-1",
            r"^\+1425",
            &["a.contoso.com"],
            Some(1),
            &["Local"],
        ),
        set_policy("Global", &["Local", "Intl"]),
        policy("Sales", &["Intl"]),
        grant(U1.guid(), Some("Sales")),
    ];
    for c in &commands {
        d.execute(NOW, c)
            .unwrap_or_else(|e| panic!("{}: {e}", c.name()));
    }
    d.check_invariants().expect("invariants");
    d
}

fn fqdns(list: Vec<&PstnGateway>) -> Vec<&str> {
    list.into_iter().map(|g| g.fqdn.as_str()).collect()
}

#[test]
fn outbound_routing_follows_teams_order() {
    let d = routed();
    // Global: Local's routes by priority (local-1, local-2 without the disabled gateway), then
    // Intl's, each gateway once.
    assert_eq!(
        fqdns(d.outbound_gateways(T, None, &n("+14255550100"))),
        ["a.contoso.com", "b.contoso.com"]
    );
    assert_eq!(
        fqdns(d.outbound_gateways(T, Some(U2.guid()), &n("+14255550100"))),
        ["a.contoso.com", "b.contoso.com"]
    );
    // Not matching the Local patterns: Intl only, in its list order.
    assert_eq!(
        fqdns(d.outbound_gateways(T, None, &n("+442071230002"))),
        ["b.contoso.com", "a.contoso.com"]
    );
    // U1 has Sales (Intl only): the Intl route's order even for a local number.
    assert_eq!(
        fqdns(d.outbound_gateways(T, Some(U1.guid()), &n("+14255550100"))),
        ["b.contoso.com", "a.contoso.com"]
    );
    // Another tenant has no policy usages: nothing.
    assert!(d.outbound_gateways(T2, None, &n("+14255550100")).is_empty());
    // Priorities swapped: local-2 first now.
    let mut d = d;
    d.execute(
        NOW,
        &Command::SetVoiceRoute {
            tenant: T,
            identity: "local-2".into(),
            patch: VoiceRoutePatch {
                priority: Some(0),
                ..Default::default()
            },
        },
    )
    .expect("set");
    assert_eq!(
        fqdns(d.outbound_gateways(T, None, &n("+14255550100"))),
        ["b.contoso.com", "a.contoso.com"]
    );
    // Without a Global usage nothing routes.
    d.execute(NOW, &set_policy("Global", &[])).expect("set");
    assert!(d.outbound_gateways(T, None, &n("+14255550100")).is_empty());
}

#[test]
fn inbound_trunks_are_found_by_address_or_name() {
    let mut d = fixture();
    for c in [
        new_gw("127.0.0.1"),
        new_gw("[::1]"),
        new_gw("SBC.contoso.com"),
    ] {
        d.execute(NOW, &c).expect("gateway");
    }
    assert_eq!(
        d.pstn_gateway_for_host("127.0.0.1").map(|g| g.tenant),
        Some(T)
    );
    assert_eq!(
        d.pstn_gateway_for_host("::1").map(|g| g.fqdn.as_str()),
        Some("::1")
    );
    assert_eq!(
        d.pstn_gateway_for_host("[::1]").map(|g| g.fqdn.as_str()),
        Some("::1")
    );
    assert_eq!(
        d.pstn_gateway_for_host("sbc.CONTOSO.com")
            .map(|g| g.fqdn.as_str()),
        Some("sbc.contoso.com")
    );
    assert!(d.pstn_gateway_for_host("127.0.0.2").is_none());
    assert!(d.pstn_gateway_for_host("").is_none());
    assert!(
        d.pstn_gateway(T2, "127.0.0.1").is_none(),
        "tenant-scoped read"
    );
}

#[test]
fn sip_credentials() {
    use Expect::*;
    let d = check(
        "default username",
        &[],
        credential(U1, None, PASSWORD),
        Pass,
    );
    assert_eq!(d.sip_username_of(T, U1), Some("adele"));
    assert_eq!(d.sip_credential("ADELE"), Some((T, U1, PASSWORD)));
    let d = check(
        "given username",
        &[],
        credential(U2, Some("bob.desk"), PASSWORD),
        Pass,
    );
    assert_eq!(d.sip_credential("bob.desk").map(|c| c.1), Some(U2));
    check(
        "duplicate username",
        &[credential(U1, None, PASSWORD)],
        credential(U2, Some("Adele"), PASSWORD),
        Conflict("already used by another user"),
    );
    let d = check(
        "replace keeps username",
        &[credential(U1, Some("desk1"), PASSWORD)],
        credential(U1, None, "another-long-password"),
        Pass,
    );
    assert_eq!(
        d.sip_credential("desk1").map(|c| c.2),
        Some("another-long-password")
    );
    let d = check(
        "rename frees the old",
        &[credential(U1, Some("desk1"), PASSWORD)],
        credential(U1, Some("desk2"), PASSWORD),
        Pass,
    );
    assert!(d.sip_credential("desk1").is_none());
    check(
        "short password",
        &[],
        credential(U1, None, "short"),
        Invalid("12 to 128"),
    );
    check(
        "bad username",
        &[],
        credential(U1, Some("a b"), PASSWORD),
        Invalid("not a valid SIP username"),
    );
    check(
        "instance is no user",
        &[],
        credential(UserId(I1.guid()), None, PASSWORD),
        NotFound("does not exist"),
    );
    let remove = Command::RemoveSipCredential {
        tenant: T,
        user: U1,
    };
    check(
        "remove none",
        &[],
        remove.clone(),
        NotFound("no SIP credential"),
    );
    let d = check("remove", &[credential(U1, None, PASSWORD)], remove, Pass);
    assert!(d.sip_credential("adele").is_none());
    let d = check(
        "deleting the user drops it",
        &[credential(U1, None, PASSWORD)],
        Command::DeleteUser { tenant: T, id: U1 },
        Pass,
    );
    assert!(d.sip_credential("adele").is_none());
    let debug = format!(
        "{:?}",
        crate::SipCredential {
            tenant: T,
            user: U1,
            username: "a".into(),
            password: "secret-value".into()
        }
    );
    assert!(!debug.contains("secret-value"), "Debug hides the password");
}

#[test]
fn direct_routing_numbers_need_no_acquiring() {
    use Expect::*;
    let d = check(
        "assign own number",
        &[],
        assign("+14255550177", U1.guid(), NumberType::DirectRouting),
        Pass,
    );
    let record = d.number(&n("+14255550177")).expect("in the inventory");
    assert_eq!(
        (
            record.tenant,
            record.number_type,
            record.assigned_to,
            record.acquired_at
        ),
        (T, NumberType::DirectRouting, Some(U1.guid()), NOW)
    );
    check(
        "still needs the licence",
        &[],
        assign("+14255550177", U2.guid(), NumberType::DirectRouting),
        Precondition("needs the teamsPhone licence"),
    );
    check(
        "unknown account",
        &[],
        assign("+14255550177", MISSING, NumberType::DirectRouting),
        NotFound("no user"),
    );
    check(
        "another tenant's",
        &[],
        assign("+442071230001", U1.guid(), NumberType::DirectRouting),
        Conflict("another tenant"),
    );
    check(
        "calling plan still needs acquiring",
        &[],
        assign("+14255550177", U1.guid(), NumberType::CallingPlan),
        NotFound("acquire it first"),
    );
}

#[test]
fn snapshots_rebuild_direct_routing() {
    let mut d = routed();
    d.execute(NOW, &credential(U1, None, PASSWORD))
        .expect("credential");
    let mut rebuilt = Directory::new();
    rebuilt.apply(&d.snapshot());
    assert_eq!(rebuilt, d);
    rebuilt.check_invariants().expect("invariants");
    assert_eq!(
        fqdns(rebuilt.outbound_gateways(T, None, &n("+14255550100"))),
        ["a.contoso.com", "b.contoso.com"],
        "patterns recompiled"
    );
    assert_eq!(rebuilt.sip_username_of(T, U1), Some("adele"));
}
