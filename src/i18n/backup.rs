//! The messages of backups (issue 16: the admin API of `src/backup/`) in kk, ru and en, with
//! their codes; wired into [`super::Msg`] like `eds.rs`.

use super::{Lang, Msg};

/// The backup messages, in order.
pub const ALL: [Msg; 3] = [Msg::BackupsUnavailable, Msg::BackupRunning, Msg::BackupStarted];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::BackupsUnavailable => "backups_unavailable",
        Msg::BackupRunning => "backup_running",
        Msg::BackupStarted => "backup_started",
        _ => "backup",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::BackupsUnavailable, Kk) => {
            "Сақтық көшірмелер жоқ: сервер сыртқы дерекқорды пайдаланады, оның көшірмелерін әкімшісі жасайды"
        }
        (Msg::BackupsUnavailable, Ru) => {
            "Резервные копии недоступны: сервер работает с внешней базой данных, её копирует администратор БД"
        }
        (Msg::BackupsUnavailable, En) => {
            "Backups are not available: the server uses an external database, which its DBA backs up"
        }
        (Msg::BackupRunning, Kk) => "Сақтық көшірме қазір жасалып жатыр",
        (Msg::BackupRunning, Ru) => "Резервная копия уже создаётся",
        (Msg::BackupRunning, En) => "A backup is already running",
        (Msg::BackupStarted, Kk) => "Сақтық көшірме басталды",
        (Msg::BackupStarted, Ru) => "Резервное копирование начато",
        (Msg::BackupStarted, En) => "The backup has started",
        _ => "",
    }
}
