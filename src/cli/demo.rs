//! `qala demo-data`: the synthetic Almaty layers, KATO, the DEM, and the demo's users: an
//! applicant and the staff who work the services of `services/` (their organisations and
//! departments as the service files name them), all with one password, `QALA_DEMO_PASSWORD` or a
//! random one printed once.

use anyhow::Result;
use qala::auth::{password, store};
use qala::config::Settings;
use qala::layers::{Catalog, demo};

/// A demo user: login, roles, organisation, department.
type DemoUser = (&'static str, &'static [&'static str], Option<&'static str>, Option<&'static str>);

/// The demo's users.
const DEMO_USERS: &[DemoUser] = &[
    ("demo-admin", &["admin"], None, None),
    ("demo-applicant", &["applicant"], None, None),
    ("akimat-window", &["reviewer"], Some("almaty-akimat"), Some("single-window")),
    ("akimat-reviewer", &["reviewer"], Some("almaty-akimat"), None),
    ("akimat-head", &["org_admin", "reviewer"], Some("almaty-akimat"), None),
    // The akimat's departments the services' stages name most, so that their applications can be
    // worked from intake to the decision in the demo.
    ("akimat-land", &["reviewer"], Some("almaty-akimat"), Some("land-relations")),
    ("akimat-architecture", &["reviewer"], Some("almaty-akimat"), Some("architecture")),
    ("akimat-roads", &["reviewer"], Some("almaty-akimat"), Some("roads")),
    ("akimat-housing", &["reviewer"], Some("almaty-akimat"), Some("housing")),
    ("akimat-energy", &["reviewer"], Some("almaty-akimat"), Some("energy")),
    ("su-intake", &["reviewer"], Some("almaty-su"), Some("customer-service")),
    ("su-networks", &["reviewer"], Some("almaty-su"), Some("networks")),
    ("su-chief", &["org_admin", "reviewer"], Some("almaty-su"), None),
    ("zharyk-reviewer", &["reviewer"], Some("alatau-zharyk"), None),
    ("zharyk-head", &["org_admin", "reviewer"], Some("alatau-zharyk"), None),
    ("teplo-reviewer", &["reviewer"], Some("almaty-teplo"), None),
    ("teplo-head", &["org_admin", "reviewer"], Some("almaty-teplo"), None),
    ("gaz-reviewer", &["reviewer"], Some("qazaqgaz"), None),
    ("gaz-head", &["org_admin", "reviewer"], Some("qazaqgaz"), None),
    ("green-reviewer", &["reviewer"], Some("almaty-green"), None),
    ("green-head", &["org_admin", "reviewer"], Some("almaty-green"), None),
];

/// The demo organisations' BINs (made up, 12 digits): an EDS certificate of an organisation
/// carries its BIN (`OU=BIN…`), which links its holder to the organisation and lets them sign its
/// documents (HC-1).
const DEMO_BINS: &[(&str, &str)] = &[
    ("almaty-akimat", "050140000656"),
    ("almaty-su", "990140001154"),
    ("alatau-zharyk", "960340000133"),
    ("almaty-teplo", "970440000216"),
    ("qazaqgaz", "060540000383"),
    ("almaty-green", "080640000451"),
];

/// Creates (or resets) the demo's users with one password; the password.
async fn demo_users(pool: &sqlx::PgPool) -> Result<String> {
    let pw = match std::env::var("QALA_DEMO_PASSWORD") {
        Ok(p) if p.len() >= 8 => p,
        _ => {
            use rand::Rng;
            let mut rng = rand::rng();
            (0..16)
                .map(|_| char::from(b"abcdefghijkmnpqrstuvwxyz23456789"[rng.random_range(0..32)]))
                .collect()
        }
    };
    let hash = password::hash(&pw)?;
    for (login, roles, org, dept) in DEMO_USERS {
        if let Some(o) = org {
            store::upsert_org(pool, o, o).await?;
            if let Some(d) = dept {
                store::upsert_dept(pool, d, o, d).await?;
            }
        }
        let input = store::UserInput {
            org: org.map(String::from),
            dept: dept.map(String::from),
            roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            ..Default::default()
        };
        match store::user_by_login(pool, login).await? {
            Some(_) => {
                store::update_user(pool, login, Some(&hash), &input).await?;
            }
            None => {
                store::insert_user(pool, login, &hash, &input).await?;
            }
        }
    }
    for (org, bin) in DEMO_BINS {
        sqlx::query("UPDATE organisations SET bin = $2 WHERE id = $1")
            .bind(org)
            .bind(bin)
            .execute(pool)
            .await?;
    }
    Ok(pw)
}

/// Loads the demo data with `seed` and prints what was loaded.
pub async fn run(settings: &Settings, seed: u64) -> Result<()> {
    let (db, layers) = super::open_synced(settings).await?;
    let catalog = Catalog::new(layers);
    let result = async {
        let s = demo::load(&db.pool, &catalog, &settings.open_data_dir, seed, true).await?;
        let dem =
            demo::register_dem(&db.pool, &settings.open_data_dir, &settings.data_dir.join("dem")).await?;
        let pw = demo_users(&db.pool).await?;
        anyhow::Ok((s, dem, pw))
    }
    .await;
    db.close().await?;
    let (s, dem, pw) = result?;
    let logins: Vec<&str> = DEMO_USERS.iter().map(|u| u.0).collect();
    println!("Demo users ({}), password `{pw}` (QALA_DEMO_PASSWORD sets it)", logins.join(", "));
    match dem {
        Some(d) => println!(
            "DEM `{}`: {:.0}-{:.0} m, terrain tiles at /terrain/{}.json",
            d.id, d.min_m, d.max_m, d.id
        ),
        None => {
            println!("no DEM in {}: the 3D view has no terrain", settings.open_data_dir.display())
        }
    }
    println!("KATO units: {}, boundaries: {} (city: {})", s.kato_units, s.boundaries, s.city_boundary);
    for (id, l) in &s.layers {
        println!(
            "  {id}: {} loaded ({} new, {} updated, {} unchanged), {} rejected",
            l.loaded,
            l.inserted,
            l.updated,
            l.unchanged,
            l.rejected.len()
        );
    }
    Ok(())
}
