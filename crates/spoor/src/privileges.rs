//! `User` and `Group`: who spoor serves as once it was started as root.
//!
//! As httpd's mod_unixd, the directives only matter to a server started
//! with effective uid 0: it binds its listeners, opens every log, starts
//! its piped loggers and writes the `PidFile` as root, then gives root up
//! for good before it accepts the first connection. A server started as
//! anyone else keeps its identity and the directives have no effect (httpd
//! says nothing about them either).
//!
//! * [`resolve_user`] / [`resolve_group`] turn the directive's argument
//!   (a name, or `#number`) into an id when the configuration is read, so
//!   an unknown name is a start-up (and `-t`) error, as httpd's AH00543 and
//!   AH00544.
//! * [`plan`] decides what to become: the configured user and group, by
//!   default `nobody` and `nogroup` (httpd's compiled default `#-1` names
//!   no user at all). A uid or gid of 0 is refused unless `--allow-root`
//!   was given (httpd refuses `User root` at build time, its
//!   `BIG_SECURITY_HOLE` rule; spoor refuses `Group root` as well).
//! * [`drop_to`] switches: the supplementary groups of the user
//!   (`initgroups`), then `setgid`, then `setuid`, and checks the result
//!   is final (getresuid/getresgid, the group list, the capability sets,
//!   every thread's ids in `/proc/self/task`, and that `setuid(0)` and
//!   `setgid(0)` now fail). glibc applies these calls to every thread of
//!   the process, so threads started earlier (piped-logger watchers,
//!   buffered-log flushers, the runtime's workers) change with it; the
//!   check reads each thread's ids to be sure.
//! * After the drop a reload runs as the unprivileged user; a reload whose
//!   `User` or `Group` resolves to a different account is refused
//!   ([`plan`] returns the error), since the process can no longer change.

use std::ffi::{CStr, CString};
use std::io;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The user spoor becomes without `User` when started as root.
pub const DEFAULT_USER: &str = "nobody";
/// The group spoor becomes without `Group` when started as root (if the
/// system has no such group: the default user's primary group).
pub const DEFAULT_GROUP: &str = "nogroup";

/// A `User` or `Group` directive: its argument, the id it names and where
/// it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdSetting {
    /// The argument as written (`www-data`, `#33`).
    pub spec: String,
    /// The uid or gid it names.
    pub id: u32,
    /// The file the directive is in.
    pub file: PathBuf,
    /// Its line.
    pub line: usize,
}

/// The account a server started as root serves as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The user name whose supplementary groups are taken (`initgroups`).
    pub user_name: String,
    /// The uid.
    pub uid: u32,
    /// The group as configured (or the default's name), for messages.
    pub group_label: String,
    /// The gid.
    pub gid: u32,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "user {} (uid {}), group {} (gid {})",
            self.user_name, self.uid, self.group_label, self.gid
        )
    }
}

/// What start-up does about privileges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Not started as root: nothing changes.
    Keep,
    /// Started as root: become this account once everything privileged is
    /// done.
    Drop(Identity),
}

/// The account the process switched to, once [`drop_to`] has run.
static IN_FORCE: OnceLock<Identity> = OnceLock::new();

/// The identity spoor switched to at start-up, if it did.
pub fn in_force() -> Option<&'static Identity> {
    IN_FORCE.get()
}

/// A `passwd` entry: name, uid, primary gid.
type Passwd = (String, u32, u32);

/// The largest buffer a lookup may use (NSS entries with huge member
/// lists ask for more room on ERANGE; this bounds the retries).
const MAX_NSS_BUF: usize = 1 << 20;

/// Calls a reentrant NSS lookup with a growing buffer; `f` returns the
/// function's status and whether an entry was found.
fn nss_lookup(mut f: impl FnMut(&mut Vec<u8>) -> (libc::c_int, bool)) -> io::Result<bool> {
    let mut buf = vec![0u8; 4096];
    loop {
        let (rc, found) = f(&mut buf);
        if rc == libc::ERANGE && buf.len() < MAX_NSS_BUF {
            let n = buf.len() * 2;
            buf.resize(n, 0);
            continue;
        }
        return match rc {
            0 => Ok(found),
            // "Not found" is reported in several ways by NSS modules.
            libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM => Ok(false),
            e => Err(io::Error::from_raw_os_error(e)),
        };
    }
}

fn passwd_by(name: Option<&CStr>, uid: u32) -> io::Result<Option<Passwd>> {
    // SAFETY: an all-zero passwd is a valid value to be overwritten.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: Option<Passwd> = None;
    nss_lookup(|buf| {
        let mut res: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; the buffer's length
        // is passed with it; `res` is set to `&pw` or null.
        let rc = unsafe {
            match name {
                Some(n) => libc::getpwnam_r(
                    n.as_ptr(),
                    &mut pw,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut res,
                ),
                None => {
                    libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr().cast(), buf.len(), &mut res)
                }
            }
        };
        if rc == 0 && !res.is_null() {
            // SAFETY: on success pw_name points to a NUL-terminated string
            // inside `buf`, alive until the next call.
            let n = unsafe { CStr::from_ptr(pw.pw_name) };
            out = Some((n.to_string_lossy().into_owned(), pw.pw_uid, pw.pw_gid));
        }
        (rc, !res.is_null())
    })?;
    Ok(out)
}

fn group_by_name(name: &CStr) -> io::Result<Option<u32>> {
    // SAFETY: an all-zero group is a valid value to be overwritten.
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut out = None;
    nss_lookup(|buf| {
        let mut res: *mut libc::group = std::ptr::null_mut();
        // SAFETY: as in `passwd_by`.
        let rc = unsafe {
            libc::getgrnam_r(
                name.as_ptr(),
                &mut gr,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut res,
            )
        };
        if rc == 0 && !res.is_null() {
            out = Some(gr.gr_gid);
        }
        (rc, !res.is_null())
    })?;
    Ok(out)
}

/// `#123`: the number; `None` when `spec` is a name.
fn numeric(spec: &str, what: &str) -> Option<Result<u32, String>> {
    let digits = spec.strip_prefix('#')?;
    Some(
        digits
            .parse::<u32>()
            .map_err(|_| format!("{what} {spec}: after '#' a {what} id must be a decimal number")),
    )
}

/// The uid `User`'s argument names (`#uid` or a user name); an unknown
/// name is httpd's AH00543.
pub fn resolve_user(spec: &str) -> Result<u32, String> {
    if let Some(n) = numeric(spec, "User") {
        return n;
    }
    let c = CString::new(spec).map_err(|_| format!("AH00543: spoor: bad user name {spec}"))?;
    match passwd_by(Some(&c), 0) {
        Ok(Some((_, uid, _))) => Ok(uid),
        Ok(None) => Err(format!("AH00543: spoor: bad user name {spec}")),
        Err(e) => Err(format!("AH00543: spoor: bad user name {spec}: {e}")),
    }
}

/// The gid `Group`'s argument names (`#gid` or a group name); an unknown
/// name is httpd's AH00544.
pub fn resolve_group(spec: &str) -> Result<u32, String> {
    if let Some(n) = numeric(spec, "Group") {
        return n;
    }
    let c = CString::new(spec).map_err(|_| format!("AH00544: spoor: bad group name {spec}"))?;
    match group_by_name(&c) {
        Ok(Some(gid)) => Ok(gid),
        Ok(None) => Err(format!("AH00544: spoor: bad group name {spec}")),
        Err(e) => Err(format!("AH00544: spoor: bad group name {spec}: {e}")),
    }
}

fn refuse_root(what: &str, s: &IdSetting) -> String {
    format!(
        "AH00526: Syntax error on line {} of {}:\n\
         refusing to serve as root: {what} {} is {} 0. Serving as root lets \
         any request read any file on the system; name an unprivileged \
         account, or start spoor with --allow-root to accept it anyway.",
        s.line,
        s.file.display(),
        s.spec,
        if what == "User" { "uid" } else { "gid" },
    )
}

/// Decides what start-up does about privileges, from the `User` and
/// `Group` directives (`None`: not configured; the embedded default and
/// WASD configurations have neither).
///
/// A uid or gid of 0 is refused whoever starts spoor (as httpd refuses
/// `User root` when it reads the file) unless `allow_root`. Started as
/// root, the plan is to become the configured account, by default
/// [`DEFAULT_USER`] and [`DEFAULT_GROUP`]; a `#uid` with no passwd entry
/// is an error (httpd's AH02155: its supplementary groups cannot be
/// known). After [`drop_to`] has run (a reload), the account must be the
/// one in force: a different one is refused with the reason.
pub fn plan(
    user: Option<&IdSetting>,
    group: Option<&IdSetting>,
    allow_root: bool,
) -> Result<Plan, String> {
    if !allow_root {
        if let Some(u) = user.filter(|u| u.id == 0) {
            return Err(refuse_root("User", u));
        }
        if let Some(g) = group.filter(|g| g.id == 0) {
            return Err(refuse_root("Group", g));
        }
    }
    let running = in_force();
    // SAFETY: geteuid has no preconditions.
    if running.is_none() && unsafe { libc::geteuid() } != 0 {
        return Ok(Plan::Keep);
    }
    let lookup_err = |e: io::Error| format!("spoor: looking up the user to serve as: {e}");
    let (user_name, uid, primary) = match user {
        Some(u) => match passwd_by(None, u.id).map_err(lookup_err)? {
            // For a name, keep the name as written: several passwd entries
            // can share a uid with different groups (httpd does the same).
            Some((name, uid, gid)) => {
                let name = if u.spec.starts_with('#') {
                    name
                } else {
                    u.spec.clone()
                };
                (name, uid, gid)
            }
            None => {
                return Err(format!(
                    "AH02155: getpwuid: couldn't determine user name from uid {}, \
                     you probably need to modify the User directive ({}:{})",
                    u.id,
                    u.file.display(),
                    u.line
                ))
            }
        },
        None => {
            let c = CString::new(DEFAULT_USER).expect("no NUL");
            match passwd_by(Some(&c), 0).map_err(lookup_err)? {
                Some(p) => p,
                None => {
                    return Err(format!(
                        "spoor: started as root without a User directive, and the default \
                         user {DEFAULT_USER} does not exist: add `User NAME` to the configuration"
                    ))
                }
            }
        }
    };
    let (group_label, gid) = match group {
        Some(g) => (g.spec.clone(), g.id),
        None => {
            let c = CString::new(DEFAULT_GROUP).expect("no NUL");
            match group_by_name(&c).map_err(lookup_err)? {
                Some(gid) => (DEFAULT_GROUP.to_string(), gid),
                None => (format!("#{primary}"), primary),
            }
        }
    };
    if !allow_root && (uid == 0 || gid == 0) {
        // The default account itself maps to root: never serve as that.
        return Err(format!(
            "spoor: refusing to serve as root: the account to serve as ({user_name}, \
             group {group_label}) has id 0; set User and Group to an unprivileged account"
        ));
    }
    let id = Identity {
        user_name,
        uid,
        group_label,
        gid,
    };
    if let Some(r) = running {
        if r.uid != id.uid || r.gid != id.gid {
            return Err(format!(
                "spoor: User/Group now name {id}, but spoor gave up root at start-up and \
                 serves as {r}; it cannot change accounts: restart spoor to apply the change"
            ));
        }
    }
    Ok(Plan::Drop(id))
}

fn os_err(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

/// Carries out `plan`: for [`Plan::Drop`], the user's supplementary
/// groups, then the gid, then the uid, and [`verify`]; an error means the
/// process must not serve. Does nothing for
/// [`Plan::Keep`] or when the drop already happened.
pub fn drop_to(plan: &Plan) -> Result<(), String> {
    let Plan::Drop(id) = plan else { return Ok(()) };
    if in_force().is_some() {
        return Ok(());
    }
    let name = CString::new(id.user_name.as_str())
        .map_err(|_| format!("spoor: user name {:?} contains a NUL byte", id.user_name))?;
    // SAFETY: a valid C string and a gid; initgroups reads the group
    // database and calls setgroups.
    if unsafe { libc::initgroups(name.as_ptr(), id.gid as libc::gid_t) } != 0 {
        return Err(os_err(&format!(
            "AH02157: initgroups: unable to set groups for User {} and Group {}",
            id.user_name, id.gid
        )));
    }
    // SAFETY: plain system calls on ids.
    if unsafe { libc::setgid(id.gid) } != 0 {
        return Err(os_err(&format!(
            "AH02156: setgid: unable to set group id to Group {}",
            id.gid
        )));
    }
    // SAFETY: as above.
    if unsafe { libc::setuid(id.uid) } != 0 {
        return Err(os_err(&format!(
            "AH02162: setuid: unable to change to uid: {}",
            id.uid
        )));
    }
    verify(id)?;
    let _ = IN_FORCE.set(id.clone());
    Ok(())
}

/// Checks that the process is `id` for good: real, effective and saved
/// ids, no group 0 left (unless `id` is root's), no capability, every
/// thread switched, and root impossible to regain.
pub fn verify(id: &Identity) -> Result<(), String> {
    let fail = |what: String| Err(format!("the privilege drop did not hold: {what}"));
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: three valid out-pointers.
    if unsafe { libc::getresuid(&mut r, &mut e, &mut s) } != 0 {
        return Err(os_err("getresuid"));
    }
    if (r, e, s) != (id.uid, id.uid, id.uid) {
        return fail(format!("uids are {r}/{e}/{s}, not {}", id.uid));
    }
    // SAFETY: as above.
    if unsafe { libc::getresgid(&mut r, &mut e, &mut s) } != 0 {
        return Err(os_err("getresgid"));
    }
    if (r, e, s) != (id.gid, id.gid, id.gid) {
        return fail(format!("gids are {r}/{e}/{s}, not {}", id.gid));
    }
    // SAFETY: a count of 0 only asks for the number of groups.
    let count = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if count < 0 {
        return Err(os_err("getgroups"));
    }
    let mut groups = vec![0 as libc::gid_t; count as usize];
    // SAFETY: the vector holds as many gids as passed; the list cannot
    // grow meanwhile (only this process could change it).
    let n = unsafe { libc::getgroups(count, groups.as_mut_ptr()) };
    if n < 0 {
        return Err(os_err("getgroups"));
    }
    if id.gid != 0 && groups[..n as usize].contains(&0) {
        return fail("group 0 is still among the supplementary groups".into());
    }
    if id.uid == 0 {
        return Ok(());
    }
    // Every thread, as the kernel sees it.
    let tasks =
        std::fs::read_dir("/proc/self/task").map_err(|e| format!("/proc/self/task: {e}"))?;
    for t in tasks {
        let t = t.map_err(|e| format!("/proc/self/task: {e}"))?;
        let status = match std::fs::read_to_string(t.path().join("status")) {
            Ok(s) => s,
            // A thread that ended meanwhile.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", t.path().display())),
        };
        let ids = |key: &str| -> Vec<u32> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| {
                    v.split_whitespace()
                        .filter_map(|x| x.parse().ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        let caps = |key: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        };
        let uids = ids("Uid:");
        let gids = ids("Gid:");
        if uids.len() != 4 || uids.iter().any(|&u| u != id.uid) {
            return fail(format!("thread {:?} has uids {uids:?}", t.file_name()));
        }
        if gids.len() != 4 || gids.iter().any(|&g| g != id.gid) {
            return fail(format!("thread {:?} has gids {gids:?}", t.file_name()));
        }
        if id.gid != 0 && ids("Groups:").contains(&0) {
            return fail(format!("thread {:?} is still in group 0", t.file_name()));
        }
        for key in ["CapPrm:", "CapEff:"] {
            if caps(key) != Some(0) {
                return fail(format!(
                    "thread {:?} keeps capabilities ({key})",
                    t.file_name()
                ));
            }
        }
    }
    // SAFETY: attempts that must fail; should one succeed, the caller
    // exits at once.
    if unsafe { libc::setuid(0) } == 0 || unsafe { libc::seteuid(0) } == 0 {
        return fail("setuid(0) succeeded".into());
    }
    if id.gid != 0 && (unsafe { libc::setgid(0) } == 0 || unsafe { libc::setegid(0) } == 0) {
        return fail("setgid(0) succeeded".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(spec: &str, id: u32) -> IdSetting {
        IdSetting {
            spec: spec.into(),
            id,
            file: "/x/spoor.conf".into(),
            line: 3,
        }
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(resolve_user("root"), Ok(0));
        assert_eq!(resolve_user("#1234"), Ok(1234));
        assert_eq!(resolve_group("#0"), Ok(0));
        assert!(resolve_user("#abc").unwrap_err().contains("decimal number"));
        assert!(resolve_user("#-1").is_err());
        assert_eq!(
            resolve_user("no-such-user-spoor").unwrap_err(),
            "AH00543: spoor: bad user name no-such-user-spoor"
        );
        assert_eq!(
            resolve_group("no-such-group-spoor").unwrap_err(),
            "AH00544: spoor: bad group name no-such-group-spoor"
        );
        assert!(resolve_user("a\0b").is_err());
    }

    #[test]
    fn root_is_refused_without_the_flag() {
        let e = plan(Some(&setting("root", 0)), None, false).unwrap_err();
        assert!(e.starts_with("AH00526: Syntax error on line 3 of /x/spoor.conf:\n"));
        assert!(e.contains("refusing to serve as root: User root is uid 0"));
        let e = plan(None, Some(&setting("#0", 0)), false).unwrap_err();
        assert!(e.contains("refusing to serve as root: Group #0 is gid 0"));
        // With the flag, root is accepted (and, as root, planned).
        let p = plan(Some(&setting("root", 0)), Some(&setting("#0", 0)), true).unwrap();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            assert!(matches!(p, Plan::Drop(Identity { uid: 0, gid: 0, .. })));
        } else {
            assert_eq!(p, Plan::Keep);
        }
    }

    #[test]
    fn default_account() {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let p = plan(None, None, false).unwrap();
        if !root {
            assert_eq!(p, Plan::Keep);
            return;
        }
        let Plan::Drop(id) = p else { panic!("{p:?}") };
        assert_eq!(id.user_name, DEFAULT_USER);
        assert_ne!(id.uid, 0);
        assert_ne!(id.gid, 0);
    }
}
