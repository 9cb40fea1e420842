//! The services and the working-day calendar a running server works with: the current version of
//! each service file (from `services/`), older versions read back from the database when an
//! application was submitted under one, and the calendar of `../shared/data/calendar` with the
//! administrators' edits on top. Cheap to share: one [`Registry`] per server behind an `Arc`.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use sqlx::PgPool;

use super::calendar::Calendar;
use super::service::ServiceDef;
use crate::notify::worker::{Clock, SystemClock};

/// Services by id, the calendar and the clock actions happen by.
#[derive(Debug)]
pub struct Registry {
    services: RwLock<Arc<BTreeMap<String, Arc<ServiceDef>>>>,
    versions: RwLock<BTreeMap<(String, u32), Arc<ServiceDef>>>,
    files_calendar: RwLock<Calendar>,
    calendar: RwLock<Arc<Calendar>>,
    clock: Arc<dyn Clock>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            services: Default::default(),
            versions: Default::default(),
            files_calendar: RwLock::new(Calendar::new()),
            calendar: RwLock::new(Arc::new(Calendar::new())),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Most older service versions kept in memory.
const MAX_CACHED_VERSIONS: usize = 1000;

impl Registry {
    /// A registry of `services` and the calendar `calendar` (from its files).
    pub fn new(services: Vec<ServiceDef>, calendar: Calendar) -> Registry {
        let r = Registry::default();
        r.set_services(services);
        *r.files_calendar.write().unwrap_or_else(|p| p.into_inner()) = calendar.clone();
        *r.calendar.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(calendar);
        r
    }

    /// The same registry on another clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Registry {
        self.clock = clock;
        self
    }

    /// Now, by the registry's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Replaces the current services (after `services sync`).
    pub fn set_services(&self, services: Vec<ServiceDef>) {
        let map = services.into_iter().map(|s| (s.id.clone(), Arc::new(s))).collect();
        *self.services.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(map);
    }

    /// The current services, by id.
    pub fn services(&self) -> Arc<BTreeMap<String, Arc<ServiceDef>>> {
        Arc::clone(&self.services.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The current version of service `id`.
    pub fn service(&self, id: &str) -> Option<Arc<ServiceDef>> {
        self.services().get(id).cloned()
    }

    /// Service `id` at `version`: the current one, or an older one stored in the database.
    pub async fn service_at(
        &self,
        pool: &PgPool,
        id: &str,
        version: u32,
    ) -> sqlx::Result<Option<Arc<ServiceDef>>> {
        if let Some(s) = self.service(id).filter(|s| s.version == version) {
            return Ok(Some(s));
        }
        let key = (id.to_string(), version);
        if let Some(s) = self.versions.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(Some(Arc::clone(s)));
        }
        let Some(def) = super::sync::stored_version(pool, id, version).await? else { return Ok(None) };
        let def = Arc::new(def);
        let mut cache = self.versions.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED_VERSIONS {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&def));
        Ok(Some(def))
    }

    /// The calendar now (files and administrators' edits).
    pub fn calendar(&self) -> Arc<Calendar> {
        Arc::clone(&self.calendar.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Reads the administrators' edits from the database and lays them over the files' calendar.
    pub async fn reload_calendar(&self, pool: &PgPool) -> sqlx::Result<()> {
        let edits = super::calendar_store::edits(pool).await?;
        let mut cal = self.files_calendar.read().unwrap_or_else(|p| p.into_inner()).clone();
        for day in edits {
            cal.set_day(day);
        }
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(cal);
        Ok(())
    }
}
