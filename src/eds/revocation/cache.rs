//! A small cache whose entries live until their own expiry on an injected clock (OCSP answers
//! until their nextUpdate or a default lifetime, CRLs until their nextUpdate), bounded in size.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// The time now, injectable for tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Entries with their expiry.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, DateTime<Utc>)>>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        TtlCache { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    /// The value of `key` if it has not expired at `now`.
    pub fn get(&self, key: &K, now: DateTime<Utc>) -> Option<V> {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some((v, expires)) if *expires > now => Some(v.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `value` until `expires`; when full, expired entries go first, then the one
    /// expiring soonest.
    pub fn put(&self, key: K, value: V, expires: DateTime<Utc>, now: DateTime<Utc>) {
        if expires <= now {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.retain(|_, (_, e)| *e > now);
            if map.len() >= self.capacity {
                let soonest = map.iter().min_by_key(|(_, (_, e))| *e).map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    map.remove(&k);
                }
            }
        }
        map.insert(key, (value, expires));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn entries_expire_on_the_clock_and_capacity_holds() {
        let t0 = DateTime::parse_from_rfc3339("2022-06-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let cache: TtlCache<u32, &str> = TtlCache::new(2);
        cache.put(1, "a", t0 + Duration::minutes(5), t0);
        assert_eq!(cache.get(&1, t0 + Duration::minutes(4)), Some("a"));
        assert_eq!(cache.get(&1, t0 + Duration::minutes(5)), None);
        cache.put(1, "a", t0 + Duration::minutes(5), t0);
        cache.put(2, "b", t0 + Duration::minutes(10), t0);
        cache.put(3, "c", t0 + Duration::minutes(20), t0);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&1, t0), None, "the soonest to expire left first");
        assert_eq!(cache.get(&3, t0), Some("c"));
        cache.put(4, "d", t0, t0);
        assert_eq!(cache.get(&4, t0), None, "an answer already expired is not kept");
    }
}
