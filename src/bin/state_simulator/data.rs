//! The simulator's data: deterministic (a fixed seed), realistic-looking Almaty data. Streets are
//! real streets of Almaty in Russian and Kazakh with their districts' KATO codes; people have
//! valid IINs (check digits) and families; companies valid BINs; properties cadastral numbers in
//! the Kazakh format (`20:3xx:qqq:ppp`, 20 being Almaty's cadastral region); phones `+77xx`.
//!
//! Fixed people for the demo and tests: [`DEMO_IIN`] (a living applicant with a phone),
//! [`NO_PHONE_IIN`] (a living person without a phone in БМГ), [`DECEASED_IIN`], and the NCA test
//! certificates' person `123456789011` (whose check digit is not valid: ГБД ФЛ and БМГ know it,
//! sign-in by SMS refuses it as an IIN).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use qala::adapters::address::Address;
use qala::adapters::billing::Subscriber;
use qala::adapters::individuals::{Person, Relative};
use qala::adapters::legal::Entity;
use qala::adapters::realty::Property;
use qala::applications::service::ids::check_digit;
use qala::auth::iin::{Sex, make};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const DEMO_IIN: &str = "900515301234";
pub const DEMO_PHONE: &str = "+77010000001";
pub const NCA_TEST_IIN: &str = "123456789011";
pub const NO_PHONE_IIN: &str = "850720400017";
pub const DECEASED_IIN: &str = "410302300017";

/// District: KATO code, Russian and Kazakh names, cadastral district digits.
const DISTRICTS: [(&str, &str, &str, &str); 8] = [
    ("751110000", "Алмалинский район", "Алмалы ауданы", "311"),
    ("751210000", "Алатауский район", "Алатау ауданы", "312"),
    ("751310000", "Ауэзовский район", "Әуезов ауданы", "313"),
    ("751410000", "Бостандыкский район", "Бостандық ауданы", "314"),
    ("751510000", "Жетысуский район", "Жетісу ауданы", "315"),
    ("751710000", "Медеуский район", "Медеу ауданы", "317"),
    ("751810000", "Наурызбайский район", "Наурызбай ауданы", "318"),
    ("751910000", "Турксибский район", "Түрксіб ауданы", "319"),
];

/// Street: Russian, Kazakh, district index, and its ends (lon, lat).
type Street = (&'static str, &'static str, usize, (f64, f64), (f64, f64));
const STREETS: [Street; 16] = [
    ("проспект Абая", "Абай даңғылы", 0, (76.905, 43.2405), (76.8500, 43.2330)),
    ("улица Толе би", "Төле би көшесі", 0, (76.935, 43.2530), (76.8600, 43.2480)),
    ("улица Жибек Жолы", "Жібек жолы көшесі", 0, (76.950, 43.2600), (76.9080, 43.2580)),
    ("улица Шевченко", "Шевченко көшесі", 0, (76.955, 43.2470), (76.8900, 43.2430)),
    ("проспект Достык", "Достық даңғылы", 5, (76.9580, 43.2600), (76.9600, 43.2150)),
    ("улица Кабанбай батыра", "Қабанбай батыр көшесі", 5, (76.9700, 43.2500), (76.9000, 43.2460)),
    ("проспект Аль-Фараби", "Әл-Фараби даңғылы", 3, (76.9600, 43.2180), (76.8900, 43.2250)),
    ("улица Сатпаева", "Сәтбаев көшесі", 3, (76.9400, 43.2380), (76.8700, 43.2330)),
    ("улица Тимирязева", "Тимирязев көшесі", 3, (76.9300, 43.2270), (76.8750, 43.2240)),
    ("улица Розыбакиева", "Розыбакиев көшесі", 3, (76.8900, 43.2600), (76.8950, 43.2050)),
    ("проспект Райымбека", "Райымбек даңғылы", 4, (76.9500, 43.2720), (76.8300, 43.2620)),
    ("проспект Сейфуллина", "Сейфуллин даңғылы", 4, (76.9350, 43.2900), (76.9370, 43.2350)),
    ("улица Бокейханова", "Бөкейхан көшесі", 7, (76.9500, 43.3200), (76.9200, 43.3050)),
    ("улица Джандосова", "Жандосов көшесі", 2, (76.9000, 43.2320), (76.8200, 43.2250)),
    (
        "микрорайон Шанырак-2, улица Жанкожа батыра",
        "Шаңырақ-2 ш/а, Жанқожа батыр көшесі",
        1,
        (76.8400, 43.3100),
        (76.8250, 43.3000),
    ),
    ("улица Шаляпина", "Шаляпин көшесі", 6, (76.8400, 43.2150), (76.7900, 43.2100)),
];

const SURNAMES: [(&str, &str); 16] = [
    ("Ахметов", "Ахметова"),
    ("Сейткали", "Сейткали"),
    ("Нурланов", "Нурланова"),
    ("Жумабаев", "Жумабаева"),
    ("Оспанов", "Оспанова"),
    ("Касымов", "Касымова"),
    ("Иванов", "Иванова"),
    ("Бекмуханбетов", "Бекмуханбетова"),
    ("Абенов", "Абенова"),
    ("Тулеуов", "Тулеуова"),
    ("Ким", "Ким"),
    ("Садыков", "Садыкова"),
    ("Омаров", "Омарова"),
    ("Исаев", "Исаева"),
    ("Мукашев", "Мукашева"),
    ("Байжанов", "Байжанова"),
];
const MALE: [&str; 12] = [
    "Нурлан",
    "Ерлан",
    "Асхат",
    "Данияр",
    "Арман",
    "Тимур",
    "Серик",
    "Бауыржан",
    "Алихан",
    "Мирас",
    "Даулет",
    "Руслан",
];
const FEMALE: [&str; 12] = [
    "Айгерим",
    "Динара",
    "Сауле",
    "Асель",
    "Жанар",
    "Мадина",
    "Гульнара",
    "Алия",
    "Камила",
    "Айдана",
    "Томирис",
    "Ляззат",
];
const COMPANY_WORDS: [(&str, &str); 12] = [
    ("Алатау Құрылыс", "Алатау Курылыс"),
    ("Жетісу Сервис", "Жетысу Сервис"),
    ("Медеу Трейд", "Медеу Трейд"),
    ("Көктөбе Инжиниринг", "Коктобе Инжиниринг"),
    ("Алма Логистика", "Алма Логистика"),
    ("Тау Энерго", "Тау Энерго"),
    ("Қазақ Жол", "Казак Жол"),
    ("Самал Девелопмент", "Самал Девелопмент"),
    ("Дала Агро", "Дала Агро"),
    ("Арман Медиа", "Арман Медиа"),
    ("Алтын Бидай", "Алтын Бидай"),
    ("Сарыарқа Су", "Сарыарка Су"),
];
const OPERATORS: [&str; 10] = ["700", "701", "702", "705", "707", "708", "747", "771", "775", "777"];

#[derive(Debug, Clone)]
pub struct Data {
    pub addresses: Vec<Address>,
    pub people: BTreeMap<String, Person>,
    pub phones: BTreeMap<String, String>,
    pub entities: BTreeMap<String, Entity>,
    pub properties: BTreeMap<String, Property>,
    pub subscribers: BTreeMap<String, Subscriber>,
}

fn father_patronymic(father: &str, male: bool) -> String {
    format!("{father}{}", if male { "ович" } else { "овна" })
}

fn person(
    iin: String,
    surname: &str,
    name: &str,
    patronymic: Option<String>,
    sex: Sex,
    alive: bool,
) -> Person {
    let birth = qala::auth::iin::Iin::parse(&iin).ok().and_then(|i| i.birth_date());
    Person {
        birth_date: birth.unwrap_or_else(|| NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()),
        iin,
        surname: surname.into(),
        name: name.into(),
        patronymic,
        sex: if sex == Sex::Male { "M" } else { "F" }.into(),
        alive,
        death_date: if alive { None } else { NaiveDate::from_ymd_opt(2021, 11, 3) },
        family: Vec::new(),
    }
}

/// A valid BIN registered in `year`/`month` with `serial`.
fn bin(year: i32, month: u32, serial: u32) -> Option<String> {
    let first = format!("{:02}{:02}40{:05}", year % 100, month, serial % 100_000);
    check_digit(first.as_bytes()).map(|c| format!("{first}{c}"))
}

fn new_iin(rng: &mut ChaCha8Rng, birth: NaiveDate, sex: Sex) -> String {
    loop {
        if let Some(i) = make(birth, sex, rng.random_range(0..10_000)) {
            return i;
        }
    }
}

fn date(rng: &mut ChaCha8Rng, from: i32, to: i32) -> NaiveDate {
    let y = rng.random_range(from..=to);
    NaiveDate::from_ymd_opt(y, rng.random_range(1..=12), rng.random_range(1..=28)).unwrap_or_default()
}

/// The whole data set, the same on every start.
pub fn generate() -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(15_2026);
    let mut addresses = Vec::new();
    for (si, (ru, kk, di, a, b)) in STREETS.iter().enumerate() {
        let (kato, dru, dkk, _) = DISTRICTS[*di];
        for h in 0..12usize {
            let t = h as f64 / 11.0;
            let house = format!("{}", 1 + h * 7 + si % 3);
            addresses.push(Address {
                id: format!("AR-{kato}-{:04}", si * 100 + h),
                kato: kato.into(),
                district_ru: dru.into(),
                district_kk: dkk.into(),
                street_ru: (*ru).into(),
                street_kk: (*kk).into(),
                house: house.clone(),
                full_ru: format!("г. Алматы, {dru}, {ru}, д. {house}"),
                full_kk: format!("Алматы қ., {dkk}, {kk}, {house}-үй"),
                lon: a.0 + (b.0 - a.0) * t,
                lat: a.1 + (b.1 - a.1) * t,
            });
        }
    }
    let mut people = BTreeMap::new();
    let mut phones = BTreeMap::new();
    let phone_of = |rng: &mut ChaCha8Rng| {
        format!(
            "+7{}{:07}",
            OPERATORS[rng.random_range(0..OPERATORS.len())],
            rng.random_range(0..10_000_000u32)
        )
    };
    // Families: two parents and 0-3 children; about 300 people.
    for f in 0..95usize {
        let (sm, sf) = SURNAMES[f % SURNAMES.len()];
        let father_name = MALE[rng.random_range(0..MALE.len())];
        let grandfather = MALE[rng.random_range(0..MALE.len())];
        let hb = date(&mut rng, 1955, 1992);
        let father_iin = new_iin(&mut rng, hb, Sex::Male);
        let wb = date(&mut rng, 1958, 1994);
        let mother_iin = new_iin(&mut rng, wb, Sex::Female);
        let alive = f % 25 != 7;
        let mut father = person(
            father_iin.clone(),
            sm,
            father_name,
            Some(father_patronymic(grandfather, true)),
            Sex::Male,
            alive,
        );
        let mut mother = person(
            mother_iin.clone(),
            sf,
            FEMALE[rng.random_range(0..FEMALE.len())],
            Some(father_patronymic(MALE[rng.random_range(0..MALE.len())], false)),
            Sex::Female,
            true,
        );
        father.family.push(Relative { iin: mother_iin.clone(), relation: "spouse".into() });
        mother.family.push(Relative { iin: father_iin.clone(), relation: "spouse".into() });
        for _ in 0..rng.random_range(0..=3) {
            let male = rng.random_bool(0.5);
            let sex = if male { Sex::Male } else { Sex::Female };
            let cb = date(&mut rng, 1995, 2020);
            let ciin = new_iin(&mut rng, cb, sex);
            let name = if male {
                MALE[rng.random_range(0..MALE.len())]
            } else {
                FEMALE[rng.random_range(0..FEMALE.len())]
            };
            let mut child = person(
                ciin.clone(),
                if male { sm } else { sf },
                name,
                Some(father_patronymic(father_name, male)),
                sex,
                true,
            );
            child.family.push(Relative { iin: father_iin.clone(), relation: "parent".into() });
            child.family.push(Relative { iin: mother_iin.clone(), relation: "parent".into() });
            father.family.push(Relative { iin: ciin.clone(), relation: "child".into() });
            mother.family.push(Relative { iin: ciin.clone(), relation: "child".into() });
            if cb < NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default() && rng.random_bool(0.8) {
                phones.insert(ciin.clone(), phone_of(&mut rng));
            }
            people.insert(ciin, child);
        }
        if alive && f % 10 != 3 {
            phones.insert(father_iin.clone(), phone_of(&mut rng));
        }
        if f % 10 != 5 {
            phones.insert(mother_iin.clone(), phone_of(&mut rng));
        }
        people.insert(father_iin, father);
        people.insert(mother_iin, mother);
    }
    let fixed = [
        (DEMO_IIN, "Сейткали", "Арман", Some("Нурланович"), Sex::Male, true, Some(DEMO_PHONE)),
        (NCA_TEST_IIN, "ТЕСТОВ", "ТЕСТ", Some("ТЕСТОВИЧ"), Sex::Male, true, Some("+77010000002")),
        (NO_PHONE_IIN, "Жумабаева", "Сауле", Some("Ериковна"), Sex::Female, true, None),
        (DECEASED_IIN, "Оспанов", "Касым", None, Sex::Male, false, None),
    ];
    for (iin, s, n, p, sex, alive, phone) in fixed {
        people.insert(iin.into(), person(iin.into(), s, n, p.map(String::from), sex, alive));
        if let Some(ph) = phone {
            phones.insert(iin.into(), ph.into());
        }
    }
    let adults: Vec<String> = people
        .values()
        .filter(|p| p.birth_date < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default())
        .map(|p| p.iin.clone())
        .collect();
    let mut entities = BTreeMap::new();
    for (i, (kk, ru)) in COMPANY_WORDS.iter().cycle().take(60).enumerate() {
        let Some(b) = (0..10)
            .find_map(|k| bin(2003 + (i as i32 % 20), 1 + (i as u32 % 12), 10_000 + i as u32 * 37 + k))
        else {
            continue;
        };
        let a = &addresses[(i * 13) % addresses.len()];
        let suffix = if i < 12 { String::new() } else { format!("-{}", i / 12 + 1) };
        entities.insert(
            b.clone(),
            Entity {
                bin: b,
                name_kk: format!("«{kk}{suffix}» ЖШС"),
                name_ru: format!("ТОО «{ru}{suffix}»"),
                head_iin: adults[(i * 7) % adults.len()].clone(),
                address_ru: a.full_ru.clone(),
                status: if i % 17 == 16 { "liquidated" } else { "active" }.into(),
                registered: NaiveDate::from_ymd_opt(2003 + (i as i32 % 20), 1 + (i as u32 % 12), 10)
                    .unwrap_or_default(),
            },
        );
    }
    let bins: Vec<String> = entities.keys().cloned().collect();
    let mut properties = BTreeMap::new();
    let mut subscribers = BTreeMap::new();
    for (i, a) in addresses.iter().enumerate() {
        let di = DISTRICTS.iter().position(|d| d.0 == a.kato).unwrap_or(0);
        let owner = if i % 9 == 4 {
            bins[i % bins.len()].clone()
        } else if i == 0 {
            DEMO_IIN.to_string()
        } else {
            adults[(i * 5) % adults.len()].clone()
        };
        let land = i % 4 == 0;
        let cad = format!("20:{}:{:03}:{}", DISTRICTS[di].3, 10 + i % 90, 100 + i);
        properties.insert(
            cad.clone(),
            Property {
                cadastral: cad,
                kind: if land {
                    "land"
                } else if i % 9 == 4 {
                    "commercial"
                } else {
                    "apartment"
                }
                .into(),
                address_ru: a.full_ru.clone(),
                area_m2: if land { 400.0 + (i % 7) as f64 * 150.0 } else { 38.5 + (i % 11) as f64 * 9.25 },
                purpose_ru: if land {
                    "для индивидуального жилищного строительства"
                } else {
                    "жилое помещение"
                }
                .into(),
                owners: vec![owner.clone()],
            },
        );
        let account = format!("{:010}", 3_000_000_000u64 + i as u64 * 7919);
        subscribers.insert(
            account.clone(),
            Subscriber {
                account,
                holder: owner,
                address_ru: a.full_ru.clone(),
                status: "open".into(),
                services: vec!["electricity".into(), "water".into(), "waste".into()],
                balance_tiyn: -((i as i64 * 104_729) % 2_500_000),
            },
        );
    }
    Data { addresses, people, phones, entities, properties, subscribers }
}
