//! Tenants and users: creation rules, and deleting a user (which frees its number).

use super::*;

#[test]
fn tenants() {
    use Expect::*;
    let create = |id: u128, domain: &str, name: &str| Command::CreateTenant {
        id: TenantId(g(id)),
        display_name: name.into(),
        domain: domain.into(),
    };
    check(
        "new tenant",
        &[],
        create(9, "northwind.com", "Northwind"),
        Pass,
    );
    check(
        "duplicate id",
        &[],
        create(0x7, "northwind.com", "N"),
        Conflict("already exists"),
    );
    check(
        "duplicate domain",
        &[],
        create(9, "Contoso.COM", "N"),
        Conflict("already belongs"),
    );
    check(
        "bad domain",
        &[],
        create(9, "contoso", "N"),
        Invalid("at least two labels"),
    );
    check(
        "bad label",
        &[],
        create(9, "-x.com", "N"),
        Invalid("not a valid domain"),
    );
    check(
        "empty name",
        &[],
        create(9, "n.com", ""),
        Invalid("must not be empty"),
    );
    check(
        "blank name",
        &[],
        create(9, "n.com", "   "),
        Invalid("must not be empty"),
    );
    check(
        "long name",
        &[],
        create(9, "n.com", &"x".repeat(257)),
        Invalid("257 characters"),
    );
    check("max name", &[], create(9, "n.com", &"é".repeat(256)), Pass);
    check(
        "control char",
        &[],
        create(9, "n.com", "a\nb"),
        Invalid("control"),
    );
}

#[test]
fn users() {
    use Expect::*;
    check(
        "create",
        &[],
        new_user(0x103, "carol@contoso.com", "Carol"),
        Pass,
    );
    check(
        "upn clash with user",
        &[],
        new_user(0x103, "ADELE@contoso.com", "A"),
        Conflict("user 'adele@contoso.com'"),
    );
    check(
        "upn clash with instance",
        &[],
        new_user(0x103, "ra1@contoso.com", "A"),
        Conflict("application instance 'ra1@contoso.com'"),
    );
    check(
        "id clash",
        &[],
        new_user(0x101, "new@contoso.com", "A"),
        Conflict("object id"),
    );
    check(
        "id clash with instance",
        &[],
        new_user(0x201, "new@contoso.com", "A"),
        Conflict("object id"),
    );
    check(
        "same upn other tenant",
        &[],
        Command::CreateUser {
            tenant: T2,
            id: UserId(g(0x109)),
            upn: "adele@contoso.com".into(),
            display_name: "A".into(),
        },
        Pass,
    );
    check(
        "no tenant",
        &[],
        Command::CreateUser {
            tenant: TenantId(MISSING),
            id: UserId(g(0x109)),
            upn: "a@b.com".into(),
            display_name: "A".into(),
        },
        NotFound("tenant"),
    );
    for bad in [
        "adele",
        "@contoso.com",
        "adele@",
        "a@b@contoso.com",
        "a b@contoso.com",
        ".a@contoso.com",
        "a..b@contoso.com",
        "a@contoso",
    ] {
        check(
            bad,
            &[],
            new_user(0x103, bad, "X"),
            Invalid("not a valid user principal name"),
        );
    }
    check(
        "empty display name",
        &[],
        new_user(0x103, "c@contoso.com", ""),
        Invalid("display name"),
    );
}

#[test]
fn deleting_users() {
    use Expect::*;
    check(
        "delete",
        &[],
        Command::DeleteUser { tenant: T, id: U2 },
        Pass,
    );
    check(
        "delete missing",
        &[],
        Command::DeleteUser {
            tenant: T,
            id: UserId(MISSING),
        },
        NotFound("does not exist"),
    );
    check(
        "delete in other tenant",
        &[],
        Command::DeleteUser { tenant: T2, id: U1 },
        NotFound("does not exist"),
    );
}

#[test]
fn deleting_a_user_releases_its_number() {
    let d = check(
        "delete user with number",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        Command::DeleteUser { tenant: T, id: U1 },
        Expect::Pass,
    );
    assert!(d.user(T, U1).is_none());
    let number = d
        .number(&n("+14255550101"))
        .expect("number stays in inventory");
    assert_eq!(number.assigned_to, None);
    assert!(d.number_of(U1.guid()).is_none());
    assert!(d.route_number(&n("+14255550101")).is_none());
}
