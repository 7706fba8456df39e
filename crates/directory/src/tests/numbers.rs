//! The number inventory, number assignment (`Set-CsPhoneNumberAssignment` and the voice application
//! instance's number), routing and the outbound PSTN precondition.

use super::*;

#[test]
fn number_inventory() {
    use Expect::*;
    let acquire = |tenant: TenantId, number: &str| Command::AcquireNumber {
        tenant,
        number: n(number),
        number_type: NumberType::DirectRouting,
    };
    check("acquire", &[], acquire(T, "+14255550199"), Pass);
    check(
        "acquire own again",
        &[],
        acquire(T, "+14255550101"),
        Conflict("already in the inventory"),
    );
    check(
        "acquire other tenant's",
        &[],
        acquire(T2, "+14255550101"),
        Conflict("another tenant"),
    );
    check(
        "acquire no tenant",
        &[],
        acquire(TenantId(MISSING), "+14255550199"),
        NotFound("tenant"),
    );
    let release = |number: &str| Command::ReleaseNumber {
        tenant: T,
        number: n(number),
    };
    let d = check("release", &[], release("+14255550103"), Pass);
    assert!(d.number(&n("+14255550103")).is_none());
    check(
        "release assigned",
        &[set_tel(I1, Some("+14255550103"))],
        release("+14255550103"),
        Precondition("unassign the number first"),
    );
    check(
        "release unknown",
        &[],
        release("+14255550199"),
        NotFound("inventory"),
    );
    check(
        "release other tenant's",
        &[],
        release("+442071230001"),
        NotFound("inventory"),
    );
    let d = fixture();
    assert_eq!(d.numbers(T).count(), 3);
    assert_eq!(d.numbers(T2).count(), 1);
}

#[test]
fn number_assignment() {
    use Expect::*;
    let d = check(
        "assign to user",
        &[],
        assign("+14255550101", U1.guid(), NumberType::CallingPlan),
        Pass,
    );
    assert_eq!(
        d.number_owner(&n("+14255550101")).map(Account::id),
        Some(U1.guid())
    );
    check(
        "assign to instance",
        &[],
        assign("+14255550102", I1.guid(), NumberType::DirectRouting),
        Pass,
    );
    check(
        "wrong type",
        &[],
        assign("+14255550101", U1.guid(), NumberType::DirectRouting),
        Invalid("is a CallingPlan number"),
    );
    check(
        "not in inventory",
        &[],
        assign("+14255550199", U1.guid(), NumberType::CallingPlan),
        NotFound("inventory"),
    );
    check(
        "other tenant's number",
        &[],
        assign("+442071230001", U1.guid(), NumberType::CallingPlan),
        NotFound("inventory"),
    );
    check(
        "unknown account",
        &[],
        assign("+14255550101", MISSING, NumberType::CallingPlan),
        NotFound("no user"),
    );
    check(
        "user without licence",
        &[],
        assign("+14255550101", U2.guid(), NumberType::CallingPlan),
        Precondition("needs the teamsPhone licence"),
    );
    check(
        "instance without licence",
        &[],
        assign("+14255550101", I2.guid(), NumberType::CallingPlan),
        Precondition("needs the teamsPhoneResourceAccount licence"),
    );
    check(
        "duplicate assignment names the owner",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        assign("+14255550101", I1.guid(), NumberType::CallingPlan),
        Conflict("already assigned to user 'adele@contoso.com'"),
    );
    check(
        "account already has a number",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        assign("+14255550102", U1.guid(), NumberType::DirectRouting),
        Conflict("already has the number +14255550101"),
    );
}

#[test]
fn reassigning_is_a_no_op_and_unassigning_frees_the_number() {
    use Expect::*;
    let d = fixture();
    let mut d2 = d.clone();
    d2.execute(
        NOW,
        &assign("+14255550101", U1.guid(), NumberType::CallingPlan),
    )
    .expect("assign");
    assert_eq!(
        d2.plan(
            NOW,
            &assign("+14255550101", U1.guid(), NumberType::CallingPlan)
        ),
        Ok(vec![])
    );
    let d = check(
        "unassign",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        Command::UnassignNumber {
            tenant: T,
            number: n("+14255550101"),
        },
        Pass,
    );
    assert!(d.number_of(U1.guid()).is_none());
    check(
        "unassign free number",
        &[],
        Command::UnassignNumber {
            tenant: T,
            number: n("+14255550101"),
        },
        NotFound("not assigned"),
    );
}

#[test]
fn set_voice_application_instance() {
    use Expect::*;
    let d = check("assign", &[], set_tel(I1, Some("+14255550101")), Pass);
    assert_eq!(
        d.number_of(I1.guid()).map(|p| p.number.clone()),
        Some(n("+14255550101"))
    );
    let d = check(
        "replace",
        &[set_tel(I1, Some("+14255550101"))],
        set_tel(I1, Some("+14255550102")),
        Pass,
    );
    assert_eq!(
        d.number_of(I1.guid()).map(|p| p.number.clone()),
        Some(n("+14255550102"))
    );
    assert_eq!(
        d.number(&n("+14255550101")).and_then(|p| p.assigned_to),
        None,
        "old number freed"
    );
    let d = check(
        "unassign",
        &[set_tel(I1, Some("+14255550101"))],
        set_tel(I1, None),
        Pass,
    );
    assert!(d.number_of(I1.guid()).is_none());
    let d = fixture();
    assert_eq!(
        d.plan(NOW, &set_tel(I1, None)),
        Ok(vec![]),
        "unassigning nothing is a no-op"
    );
    check(
        "without licence",
        &[],
        set_tel(I2, Some("+14255550101")),
        Precondition("teamsPhoneResourceAccount"),
    );
    check(
        "owned by user",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        set_tel(I1, Some("+14255550101")),
        Conflict("user 'adele@contoso.com'"),
    );
    check(
        "not in inventory",
        &[],
        set_tel(I1, Some("+14255550199")),
        NotFound("inventory"),
    );
    check(
        "unknown instance",
        &[],
        set_tel(InstanceId(MISSING), Some("+14255550101")),
        NotFound("application instance"),
    );
    check(
        "a user id is not an instance",
        &[],
        Command::SetInstanceTelephoneNumber {
            tenant: T,
            id: InstanceId(U1.guid()),
            number: None,
        },
        NotFound("application instance"),
    );
}

#[test]
fn routing_and_resource_accounts() {
    let mut d = fixture();
    d.execute(NOW, &set_tel(I1, Some("+14255550101")))
        .expect("assign");
    d.execute(
        NOW,
        &Command::SetApplicationInstance {
            tenant: T,
            id: I1,
            app_id: None,
            display_name: None,
            acs_resource: Some(Some(ACS)),
        },
    )
    .expect("bind");
    let (tenant, account) = d.route_number(&n("+14255550101")).expect("routed");
    assert_eq!(
        (tenant, account.id(), account.kind()),
        (T, I1.guid(), "applicationInstance")
    );
    assert!(
        d.route_number(&n("+14255550102")).is_none(),
        "unassigned numbers route nowhere"
    );
    assert!(d.route_number(&n("+14255550199")).is_none());

    let all = d.resource_accounts(T, ResourceAccountFilter::default());
    assert_eq!(all.len(), 2);
    let by_app = d.resource_accounts(
        T,
        ResourceAccountFilter {
            app_id: Some(APP),
            acs_resource: None,
        },
    );
    assert_eq!(by_app.len(), 2);
    assert!(d
        .resource_accounts(
            T,
            ResourceAccountFilter {
                app_id: Some(APP2),
                acs_resource: None
            }
        )
        .is_empty());
    let by_acs = d.resource_accounts(
        T,
        ResourceAccountFilter {
            app_id: None,
            acs_resource: Some(ACS),
        },
    );
    assert_eq!(by_acs.len(), 1);
    assert_eq!(by_acs[0].instance.id, I1);
    assert_eq!(
        by_acs[0].number.map(|p| p.number.tel_uri()),
        Some("tel:+14255550101".to_string())
    );
    assert!(d
        .resource_accounts(T2, ResourceAccountFilter::default())
        .is_empty());
    assert_eq!(
        d.account_by_upn(T, "RA1@contoso.com").map(Account::id),
        Some(I1.guid())
    );
}

#[test]
fn outbound_pstn_needs_a_number_and_for_calling_plan_numbers_a_calling_plan() {
    let mut d = fixture();
    let outbound = |d: &Directory| d.outbound_pstn_allowed(T, I1).map_err(|e| e.kind());
    assert_eq!(outbound(&d), Err("preconditionFailed"), "no number");
    d.execute(NOW, &set_tel(I1, Some("+14255550101")))
        .expect("assign calling plan number");
    let error = d
        .outbound_pstn_allowed(T, I1)
        .expect_err("calling plan number without licence");
    assert!(error.message().contains("callingPlan licence"), "{error}");
    d.execute(NOW, &licence(I1.guid(), Licence::CallingPlan))
        .expect("licence");
    assert_eq!(outbound(&d), Ok(()));
    d.execute(NOW, &set_tel(I1, Some("+14255550102")))
        .expect("direct routing number");
    d.execute(NOW, &unlicence(I1.guid(), Licence::CallingPlan))
        .expect("unlicence");
    assert_eq!(outbound(&d), Ok(()), "direct routing needs no calling plan");
    assert_eq!(
        d.outbound_pstn_allowed(T, InstanceId(MISSING))
            .map_err(|e| e.kind()),
        Err("notFound")
    );
}
