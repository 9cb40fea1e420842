//! ГБД ФЛ, the state database of individuals, over SOAP 1.1 (`POST <base>/soap`, `SOAPAction:
//! "urn:qala:gbdfl:v1#GetPerson"`): a person by IIN with names, birth date, whether alive, and
//! the IINs of the family. The answer is checked: a person whose IIN is not the one asked, a
//! date that is not a date or an IIN that is not twelve digits is malformed.

use chrono::NaiveDate;
use serde::Serialize;

use super::call::{Endpoint, Kind};
use super::soap::{self, Body, Element};
use super::{AdapterError, System};

/// The namespace of the request and answer elements.
pub const NS: &str = "urn:qala:gbdfl:v1";
pub const SOAP_ACTION: &str = "urn:qala:gbdfl:v1#GetPerson";

/// A family member: IIN and relation (`spouse`, `child`, `parent`, `sibling`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relative {
    pub iin: String,
    pub relation: String,
}

/// A person as ГБД ФЛ gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub iin: String,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub birth_date: NaiveDate,
    /// `M` or `F`.
    pub sex: String,
    pub alive: bool,
    pub death_date: Option<NaiveDate>,
    pub family: Vec<Relative>,
}

impl Person {
    /// "Surname Name Patronymic".
    pub fn full_name(&self) -> String {
        let mut s = format!("{} {}", self.surname, self.name);
        if let Some(p) = self.patronymic.as_deref().filter(|p| !p.is_empty()) {
            s.push(' ');
            s.push_str(p);
        }
        s
    }

    /// The person as the SOAP answer's `Person` element (the simulator writes it).
    pub fn to_xml(&self) -> String {
        let e = soap::escape;
        let mut x = format!(
            "<fl:Person><fl:IIN>{}</fl:IIN><fl:Surname>{}</fl:Surname><fl:Name>{}</fl:Name>",
            e(&self.iin),
            e(&self.surname),
            e(&self.name)
        );
        if let Some(p) = &self.patronymic {
            x.push_str(&format!("<fl:Patronymic>{}</fl:Patronymic>", e(p)));
        }
        x.push_str(&format!(
            "<fl:BirthDate>{}</fl:BirthDate><fl:Sex>{}</fl:Sex><fl:Alive>{}</fl:Alive>",
            self.birth_date, self.sex, self.alive
        ));
        if let Some(d) = self.death_date {
            x.push_str(&format!("<fl:DeathDate>{d}</fl:DeathDate>"));
        }
        x.push_str("<fl:Family>");
        for r in &self.family {
            x.push_str(&format!("<fl:Relative relation=\"{}\">{}</fl:Relative>", e(&r.relation), e(&r.iin)));
        }
        x.push_str("</fl:Family></fl:Person>");
        x
    }
}

/// The SOAP request for `iin`.
pub fn request_xml(iin: &str) -> String {
    soap::envelope(&format!(
        "<fl:GetPersonRequest xmlns:fl=\"{NS}\"><fl:IIN>{}</fl:IIN></fl:GetPersonRequest>",
        soap::escape(iin)
    ))
}

/// The SOAP answer with `person` (`None`: `PersonNotFound`).
pub fn response_xml(person: Option<&Person>) -> String {
    let inner = match person {
        Some(p) => p.to_xml(),
        None => "<fl:PersonNotFound/>".to_string(),
    };
    soap::envelope(&format!("<fl:GetPersonResponse xmlns:fl=\"{NS}\">{inner}</fl:GetPersonResponse>"))
}

fn is_iin(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a `GetPersonResponse` for `asked` (pure).
pub fn read_response(xml: &str, asked: &str) -> Result<Option<Person>, String> {
    let r = match soap::body(xml)? {
        Body::Fault { code, message } => return Err(format!("SOAP fault {code}: {message}")),
        Body::Content(r) => r,
    };
    if r.name != "GetPersonResponse" {
        return Err(format!("expected GetPersonResponse, found {}", r.name));
    }
    if r.child("PersonNotFound").is_some() {
        return Ok(None);
    }
    let p = r.child("Person").ok_or("no Person in the answer")?;
    read_person(p, asked).map(Some)
}

fn read_person(p: &Element, asked: &str) -> Result<Person, String> {
    let text = |n: &str| p.child_text(n).filter(|t| !t.is_empty()).ok_or(format!("no {n}"));
    let bounded = |n: &str| -> Result<String, String> {
        let t = text(n)?;
        if t.chars().count() > 100 { Err(format!("{n} is too long")) } else { Ok(t.to_string()) }
    };
    let date = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| format!("`{t}` is not a date"));
    let iin = text("IIN")?;
    if iin != asked {
        return Err("the answer is about another IIN".into());
    }
    let sex = text("Sex")?;
    if sex != "M" && sex != "F" {
        return Err("Sex is neither M nor F".into());
    }
    let alive = match text("Alive")? {
        "true" => true,
        "false" => false,
        other => return Err(format!("Alive is `{other}`")),
    };
    let mut family = Vec::new();
    if let Some(f) = p.child("Family") {
        for r in f.children.iter().filter(|c| c.name == "Relative").take(50) {
            let iin = r.text.trim();
            if !is_iin(iin) {
                return Err("a relative's IIN is not twelve digits".into());
            }
            family.push(Relative { iin: iin.into(), relation: r.attr("relation").unwrap_or("").into() });
        }
    }
    Ok(Person {
        iin: iin.to_string(),
        surname: bounded("Surname")?,
        name: bounded("Name")?,
        patronymic: p.child_text("Patronymic").filter(|t| !t.is_empty()).map(String::from),
        birth_date: date(text("BirthDate")?)?,
        sex: sex.into(),
        alive,
        death_date: p.child_text("DeathDate").map(date).transpose()?,
        family,
    })
}

/// ГБД ФЛ.
#[async_trait::async_trait]
pub trait Individuals: Send + Sync {
    /// The person with this IIN, `None` when ГБД ФЛ knows none.
    async fn person(&self, iin: &str) -> Result<Option<Person>, AdapterError>;
}

/// The SOAP client.
#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

#[async_trait::async_trait]
impl Individuals for Client {
    async fn person(&self, iin: &str) -> Result<Option<Person>, AdapterError> {
        let system = System::Fl;
        let body = request_xml(iin);
        self.0
            .call(
                "person",
                iin,
                Kind::Read,
                |c, url| {
                    c.post(url)
                        .header("content-type", "text/xml; charset=utf-8")
                        .header("soapaction", format!("\"{SOAP_ACTION}\""))
                        .body(body.clone())
                },
                "/soap",
                |a| {
                    // SOAP 1.1 answers a fault with 500: read as the system failing.
                    let s = a.status.as_u16();
                    if !(200..300).contains(&s) {
                        return Err(AdapterError::Status { system, status: s });
                    }
                    read_response(a.text(system)?, iin)
                        .map_err(|reason| AdapterError::Malformed { system, reason })
                },
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_goes_through_xml_and_back() {
        let p = Person {
            iin: "860101300562".into(),
            surname: "Сейтқали".into(),
            name: "Айгерім".into(),
            patronymic: Some("Нұрланқызы".into()),
            birth_date: NaiveDate::from_ymd_opt(1986, 1, 1).unwrap(),
            sex: "F".into(),
            alive: true,
            death_date: None,
            family: vec![Relative { iin: "110305500123".into(), relation: "child".into() }],
        };
        assert_eq!(read_response(&response_xml(Some(&p)), &p.iin).unwrap(), Some(p.clone()));
        assert_eq!(read_response(&response_xml(None), &p.iin).unwrap(), None);
        assert!(read_response(&response_xml(Some(&p)), "860101300563").is_err());
        let bad = response_xml(Some(&p)).replace("1986-01-01", "1986-13-01");
        assert!(read_response(&bad, &p.iin).is_err());
        assert_eq!(p.full_name(), "Сейтқали Айгерім Нұрланқызы");
    }
}
