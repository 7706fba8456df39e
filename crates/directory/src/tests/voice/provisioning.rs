//! PSTN gateways, the PSTN usage list, voice routes, voice routing policies and their grants.

use super::*;

#[test]
fn gateways() {
    use Expect::*;
    let d = check("new", &[], new_gw("SBC1.Contoso.com"), Pass);
    let stored = d.pstn_gateway(T, "sbc1.contoso.com").expect("stored");
    assert_eq!(stored.fqdn, "sbc1.contoso.com", "lower-cased");
    assert_eq!(
        (
            stored.sip_signaling_port,
            stored.transport,
            stored.failover_codes_text()
        ),
        (5061, SipTransport::Tls, "408,503,504".to_string())
    );
    assert!(
        !PstnGateway::with_defaults(T, "x.y").enabled,
        "disabled by default, as Teams"
    );
    let d = check("ipv6 literal", &[], new_gw("[::1]"), Pass);
    assert_eq!(
        d.pstn_gateways(T)
            .map(|g| g.fqdn.as_str())
            .collect::<Vec<_>>(),
        ["::1"]
    );
    check(
        "bad fqdn",
        &[],
        new_gw("not a host"),
        Invalid("not a valid gateway FQDN"),
    );
    check(
        "single label",
        &[],
        new_gw("sbc"),
        Invalid("not a valid gateway FQDN"),
    );
    check(
        "duplicate",
        &[new_gw("sbc1.contoso.com")],
        new_gw("SBC1.contoso.com"),
        Conflict("already exists"),
    );
    let other_tenant = Command::NewPstnGateway {
        gateway: PstnGateway::with_defaults(T2, "sbc1.contoso.com"),
    };
    check(
        "other tenant's",
        &[new_gw("sbc1.contoso.com")],
        other_tenant,
        Conflict("another tenant"),
    );
    let bad = |edit: fn(&mut PstnGateway)| {
        let mut g = gw("sbc.contoso.com");
        edit(&mut g);
        Command::NewPstnGateway { gateway: g }
    };
    check(
        "port 0",
        &[],
        bad(|g| g.sip_signaling_port = 0),
        Invalid("sipSignalingPort"),
    );
    check(
        "sessions 0",
        &[],
        bad(|g| g.max_concurrent_sessions = Some(0)),
        Invalid("maxConcurrentSessions"),
    );
    check(
        "failover 0 s",
        &[],
        bad(|g| g.failover_time_seconds = 0),
        Invalid("failoverTimeSeconds"),
    );
    check(
        "failover 200",
        &[],
        bad(|g| g.failover_response_codes = vec![200]),
        Invalid("failover response codes"),
    );
    check(
        "empty digest user",
        &[],
        bad(|g| {
            g.credentials = Some(crate::DigestCredentials {
                username: String::new(),
                password: "p".into(),
            })
        }),
        Invalid("digest username"),
    );
    check(
        "no tenant",
        &[],
        Command::NewPstnGateway {
            gateway: PstnGateway::with_defaults(TenantId(MISSING), "a.b.c"),
        },
        NotFound("tenant"),
    );
    let set = Command::SetPstnGateway {
        tenant: T,
        fqdn: "SBC1.contoso.com".into(),
        patch: GatewayPatch {
            enabled: Some(false),
            sip_signaling_port: Some(5067),
            max_concurrent_sessions: Some(Some(10)),
            ..GatewayPatch::default()
        },
    };
    let d = check("set", &[new_gw("sbc1.contoso.com")], set.clone(), Pass);
    let g = d.pstn_gateway(T, "sbc1.contoso.com").expect("gateway");
    assert_eq!(
        (g.enabled, g.sip_signaling_port, g.max_concurrent_sessions),
        (false, 5067, Some(10))
    );
    check("set unknown", &[], set, NotFound("no PSTN gateway"));
    let remove = Command::RemovePstnGateway {
        tenant: T,
        fqdn: "sbc1.contoso.com".into(),
    };
    let d = check(
        "remove",
        &[new_gw("sbc1.contoso.com")],
        remove.clone(),
        Pass,
    );
    assert_eq!(d.pstn_gateways(T).count(), 0);
    check(
        "remove in use",
        &[
            new_gw("sbc1.contoso.com"),
            usages(&["US"], &[]),
            route("r1", ".*", &["sbc1.contoso.com"], None, &["US"]),
        ],
        remove,
        Conflict("used by the voice route(s) 'r1'"),
    );
}

#[test]
fn usages_and_their_use() {
    use Expect::*;
    let d = check(
        "add",
        &[],
        usages(&["Local", "Long distance", "local"], &[]),
        Pass,
    );
    assert_eq!(
        d.pstn_usages(T),
        ["Local", "Long distance"],
        "order kept, case-insensitive repeat dropped"
    );
    assert!(
        d.plan(NOW, &usages(&["LOCAL"], &[]))
            .expect("plan")
            .is_empty(),
        "re-adding is a no-op"
    );
    let d = check(
        "remove",
        &[usages(&["A", "B"], &[])],
        usages(&[], &["a"]),
        Pass,
    );
    assert_eq!(d.pstn_usages(T), ["B"]);
    check(
        "remove unknown",
        &[],
        usages(&[], &["Nope"]),
        NotFound("not in the list"),
    );
    check(
        "bad name",
        &[],
        usages(&["a,b"], &[]),
        Invalid("must not contain ','"),
    );
    check(
        "empty name",
        &[],
        usages(&[""], &[]),
        Invalid("must not be empty"),
    );
    check(
        "in use by a route",
        &[
            new_gw("sbc.contoso.com"),
            usages(&["US"], &[]),
            route("us", ".*", &["sbc.contoso.com"], None, &["US"]),
        ],
        usages(&[], &["US"]),
        Conflict("in use by the voice route(s) 'us'"),
    );
    check(
        "in use by a policy",
        &[usages(&["US"], &[]), policy("Sales", &["US"])],
        usages(&[], &["US"]),
        Conflict("voice routing policy(ies) 'Sales'"),
    );
    check(
        "in use by Global",
        &[usages(&["US"], &[]), set_policy("Global", &["US"])],
        usages(&[], &["US"]),
        Conflict("'Global'"),
    );
}

#[test]
fn voice_routes() {
    use Expect::*;
    let setup = [
        new_gw("sbc1.contoso.com"),
        new_gw("sbc2.contoso.com"),
        usages(&["US"], &[]),
    ];
    let d = check(
        "new",
        &setup,
        route(
            "r",
            r"^\+1\d{10}$",
            &["SBC2.contoso.com", "sbc1.contoso.com", "sbc2.contoso.com"],
            None,
            &["us"],
        ),
        Pass,
    );
    let r = d.voice_route(T, "R").expect("route");
    assert_eq!(
        r.gateways,
        ["sbc2.contoso.com", "sbc1.contoso.com"],
        "canonical, repeats dropped, order kept"
    );
    assert_eq!(r.usages, ["US"], "spelled as listed");
    assert_eq!(r.priority, 0, "the first route's default priority");
    check(
        "bad regex",
        &setup,
        route("r", "^(+1", &["sbc1.contoso.com"], None, &["US"]),
        Invalid("not a valid regular expression"),
    );
    check(
        "unknown gateway",
        &setup,
        route("r", ".*", &["sbc9.contoso.com"], None, &["US"]),
        NotFound("no PSTN gateway 'sbc9.contoso.com'"),
    );
    check(
        "unlisted usage",
        &setup,
        route("r", ".*", &[], None, &["EU"]),
        Invalid("not in the tenant's list"),
    );
    let mut with_r = setup.to_vec();
    with_r.push(route("r", ".*", &[], Some(7), &[]));
    check(
        "duplicate",
        &with_r,
        route("R", ".*", &[], None, &[]),
        Conflict("already exists"),
    );
    let d = check(
        "next priority",
        &with_r,
        route("s", ".*", &[], None, &[]),
        Pass,
    );
    assert_eq!(d.voice_route(T, "s").map(|r| r.priority), Some(8));
    let d = check(
        "default pattern",
        &setup,
        Command::NewVoiceRoute {
            tenant: T,
            identity: "any".into(),
            number_pattern: None,
            gateways: vec![],
            priority: None,
            usages: vec![],
            description: String::new(),
        },
        Pass,
    );
    assert_eq!(
        d.voice_route(T, "any").map(|r| r.number_pattern.as_str()),
        Some(".*")
    );
    let set = |patch: VoiceRoutePatch| Command::SetVoiceRoute {
        tenant: T,
        identity: "r".into(),
        patch,
    };
    let d = check(
        "set",
        &with_r,
        set(VoiceRoutePatch {
            priority: Some(1),
            gateways: Some(strings(&["sbc1.contoso.com"])),
            ..Default::default()
        }),
        Pass,
    );
    assert_eq!(
        d.voice_route(T, "r")
            .map(|r| (r.priority, r.gateways.clone())),
        Some((1, strings(&["sbc1.contoso.com"])))
    );
    check(
        "set bad regex",
        &with_r,
        set(VoiceRoutePatch {
            number_pattern: Some("[".into()),
            ..Default::default()
        }),
        Invalid("regular expression"),
    );
    check(
        "set unknown",
        &setup,
        set(VoiceRoutePatch::default()),
        NotFound("no voice route"),
    );
    let d = check(
        "remove",
        &with_r,
        Command::RemoveVoiceRoute {
            tenant: T,
            identity: "R".into(),
        },
        Pass,
    );
    assert!(d.voice_route(T, "r").is_none());
}

#[test]
fn policies_and_grants() {
    use Expect::*;
    let d = fixture();
    let global = d
        .voice_routing_policy(T, "Global")
        .expect("implicit Global");
    assert!(global.usages.is_empty());
    assert_eq!(d.voice_routing_policies(T).len(), 1);
    let setup = [usages(&["US", "EU"], &[])];
    let d = check(
        "set Global",
        &setup,
        set_policy("global", &["EU", "US"]),
        Pass,
    );
    assert_eq!(
        d.voice_routing_policy(T, GLOBAL_POLICY).map(|p| p.usages),
        Some(strings(&["EU", "US"]))
    );
    check(
        "new Global",
        &setup,
        policy("Global", &[]),
        Conflict("already exists"),
    );
    check(
        "remove Global",
        &setup,
        Command::RemoveVoiceRoutingPolicy {
            tenant: T,
            identity: "Global".into(),
        },
        Invalid("cannot be removed"),
    );
    let d = check("new with Tag:", &setup, policy("Tag:Sales", &["US"]), Pass);
    assert_eq!(
        d.voice_routing_policy(T, "sales").map(|p| p.identity),
        Some("Sales".to_string())
    );
    check(
        "unlisted usage",
        &setup,
        policy("Sales", &["APAC"]),
        Invalid("not in the tenant's list"),
    );
    let with_sales = [usages(&["US"], &[]), policy("Sales", &["US"])];
    let d = check(
        "grant to user",
        &with_sales,
        grant(U1.guid(), Some("Tag:sales")),
        Pass,
    );
    assert_eq!(d.granted_voice_routing_policy(T, U1.guid()), Some("Sales"));
    check(
        "grant to instance",
        &with_sales,
        grant(I1.guid(), Some("Sales")),
        Pass,
    );
    check(
        "grant unknown policy",
        &with_sales,
        grant(U1.guid(), Some("Nope")),
        NotFound("no voice routing policy"),
    );
    check(
        "grant unknown account",
        &with_sales,
        grant(MISSING, Some("Sales")),
        NotFound("no user"),
    );
    let mut granted = with_sales.to_vec();
    granted.push(grant(U1.guid(), Some("Sales")));
    let d = check("ungrant", &granted, grant(U1.guid(), None), Pass);
    assert_eq!(d.granted_voice_routing_policy(T, U1.guid()), None);
    check(
        "grant Global = ungrant",
        &granted,
        grant(U1.guid(), Some("Global")),
        Pass,
    );
    check(
        "remove granted",
        &granted,
        Command::RemoveVoiceRoutingPolicy {
            tenant: T,
            identity: "Sales".into(),
        },
        Conflict("granted to 'adele@contoso.com'"),
    );
    let d = check(
        "remove",
        &with_sales,
        Command::RemoveVoiceRoutingPolicy {
            tenant: T,
            identity: "sales".into(),
        },
        Pass,
    );
    assert!(d.voice_routing_policy(T, "Sales").is_none());
    let d = check(
        "deleting a user drops its grant",
        &granted,
        Command::DeleteUser { tenant: T, id: U1 },
        Pass,
    );
    assert!(d.policy_grantees(T, "Sales").is_empty());
}
