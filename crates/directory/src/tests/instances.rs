//! Application instances (resource accounts) and licences.

use super::*;

#[test]
fn application_instances() {
    use Expect::*;
    check(
        "create",
        &[],
        new_instance(0x209, "ra9@contoso.com", APP),
        Pass,
    );
    check(
        "unknown app",
        &[],
        new_instance(0x209, "ra9@contoso.com", APP2),
        NotFound("application"),
    );
    check(
        "upn clash with user",
        &[],
        new_instance(0x209, "bob@contoso.com", APP),
        Conflict("user 'bob@contoso.com'"),
    );
    check(
        "id clash",
        &[],
        new_instance(0x101, "ra9@contoso.com", APP),
        Conflict("object id"),
    );
    check(
        "bad upn",
        &[],
        new_instance(0x209, "ra9", APP),
        Invalid("user principal name"),
    );
    let set =
        |app: Option<AppId>, acs: Option<Option<AcsResourceId>>| Command::SetApplicationInstance {
            tenant: T,
            id: I1,
            app_id: app,
            display_name: None,
            acs_resource: acs,
        };
    let d = check("bind acs", &[], set(None, Some(Some(ACS))), Pass);
    assert_eq!(d.instance(T, I1).and_then(|i| i.acs_resource), Some(ACS));
    let d = check(
        "clear acs",
        &[set(None, Some(Some(ACS)))],
        set(None, Some(None)),
        Pass,
    );
    assert_eq!(d.instance(T, I1).and_then(|i| i.acs_resource), None);
    let d = check(
        "leave acs",
        &[set(None, Some(Some(ACS)))],
        set(None, None),
        Pass,
    );
    assert_eq!(d.instance(T, I1).and_then(|i| i.acs_resource), Some(ACS));
    check(
        "unknown acs",
        &[],
        set(None, Some(Some(AcsResourceId(MISSING)))),
        NotFound("ACS resource"),
    );
    check(
        "unknown app on set",
        &[],
        set(Some(APP2), None),
        NotFound("application"),
    );
    check(
        "missing instance",
        &[],
        Command::SetApplicationInstance {
            tenant: T,
            id: InstanceId(MISSING),
            app_id: None,
            display_name: None,
            acs_resource: None,
        },
        NotFound("application instance"),
    );
    check(
        "wrong tenant",
        &[],
        Command::SyncApplicationInstance { tenant: T2, id: I1 },
        NotFound("application instance"),
    );
    let d = check(
        "sync",
        &[],
        Command::SyncApplicationInstance { tenant: T, id: I1 },
        Pass,
    );
    assert_eq!(d.instance(T, I1).and_then(|i| i.synced_at), Some(NOW));
}

#[test]
fn licences() {
    use Expect::*;
    check(
        "resource licence on user",
        &[],
        licence(U2.guid(), Licence::TeamsPhoneResourceAccount),
        Invalid("application instances only"),
    );
    check(
        "teams phone on instance",
        &[],
        licence(I2.guid(), Licence::TeamsPhone),
        Invalid("users only"),
    );
    check(
        "calling plan on user",
        &[],
        licence(U2.guid(), Licence::CallingPlan),
        Pass,
    );
    check(
        "calling plan on instance",
        &[],
        licence(I2.guid(), Licence::CallingPlan),
        Pass,
    );
    check(
        "unknown account",
        &[],
        licence(MISSING, Licence::CallingPlan),
        NotFound("no user or application instance"),
    );
    check(
        "account of other tenant",
        &[],
        Command::AssignLicence {
            tenant: T2,
            account: U1.guid(),
            licence: Licence::CallingPlan,
        },
        NotFound("no user"),
    );
    let d = fixture();
    assert_eq!(
        d.plan(NOW, &licence(U1.guid(), Licence::TeamsPhone)),
        Ok(vec![]),
        "re-assigning is a no-op"
    );
    check(
        "remove absent",
        &[],
        unlicence(U2.guid(), Licence::CallingPlan),
        NotFound("has no callingPlan"),
    );
    check(
        "remove unused",
        &[],
        unlicence(I1.guid(), Licence::TeamsPhoneResourceAccount),
        Pass,
    );
    check(
        "remove needed by instance number",
        &[set_tel(I1, Some("+14255550102"))],
        unlicence(I1.guid(), Licence::TeamsPhoneResourceAccount),
        Precondition("unassign the number first"),
    );
    check(
        "remove needed by user number",
        &[assign("+14255550102", U1.guid(), NumberType::DirectRouting)],
        unlicence(U1.guid(), Licence::TeamsPhone),
        Precondition("unassign the number first"),
    );
    check(
        "calling plan is not needed to hold a number",
        &[
            licence(I1.guid(), Licence::CallingPlan),
            set_tel(I1, Some("+14255550101")),
        ],
        unlicence(I1.guid(), Licence::CallingPlan),
        Pass,
    );
}
