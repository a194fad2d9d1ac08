//! Reliable piped loggers: a child process reading records on its standard
//! input, watched by a thread and started again when it dies.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::fd::{Fd, Out, Reporter};
use super::PipedCommand;

/// A child that lived at least this long is restarted at once; one that
/// died sooner waits a back-off so a program that cannot start does not
/// make us spin.
const STABLE_RUN: Duration = Duration::from_secs(1);
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long a child gets to die after SIGTERM, then after SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// How often the watcher looks whether the rest of a dead child's process
/// group is gone.
const GROUP_POLL: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Normal operation: a dead child is restarted.
    Running,
    /// Closing: our write end is closed and the child is reading what is
    /// left; it is restarted only if it dies with data still in the pipe.
    Draining,
    /// The child has been signalled; never restarted.
    Terminating,
}

#[derive(Debug)]
struct State {
    /// The running child, `None` once it has been seen to exit. Cleared
    /// under this lock *before* the child is reaped, so a pid read here is
    /// never a recycled one.
    pid: Option<libc::pid_t>,
    /// The process group of the current child (each child leads its own),
    /// while any live process may remain in it: a `|$…` logger is a shell
    /// whose command may outlive it and keep reading the pipe. Signals on
    /// close go to the whole group.
    group: Option<libc::pid_t>,
    phase: Phase,
    /// When close gave up waiting and started signalling.
    terminating_since: Option<Instant>,
    started: Instant,
    fast_deaths: u32,
    watcher_done: bool,
}

#[derive(Debug)]
struct Shared {
    /// The read end, kept open in the parent for the life of the logger:
    /// records already in the pipe survive the child's death and are read
    /// by the next child, and writers never get `EPIPE`.
    read_end: OwnedFd,
    command: PipedCommand,
    display: String,
    cwd: Option<PathBuf>,
    state: Mutex<State>,
    cond: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `done(state)` or `timeout`; returns the guard.
    fn wait_until<'a>(
        &'a self,
        mut g: MutexGuard<'a, State>,
        timeout: Duration,
        done: impl Fn(&State) -> bool,
    ) -> MutexGuard<'a, State> {
        let deadline = Instant::now() + timeout;
        while !done(&g) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            g = self
                .cond
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        g
    }
}

/// A piped logger: the write end of the pipe and the child behind it.
#[derive(Debug)]
pub(super) struct Piped {
    pub(super) out: Out,
    shared: Arc<Shared>,
    watcher: Mutex<Option<JoinHandle<()>>>,
}

impl Piped {
    /// The program this logger runs and its working directory.
    pub(super) fn command(&self) -> (&PipedCommand, Option<&Path>) {
        (&self.shared.command, self.shared.cwd.as_deref())
    }

    /// Creates the pipe, starts the child and its watcher thread.
    pub(super) fn start(
        command: PipedCommand,
        display: String,
        cwd: Option<&Path>,
        reporter: &Reporter,
    ) -> io::Result<Piped> {
        if command.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "piped log target names no program",
            ));
        }
        let (read_end, write_end) = make_pipe()?;
        let display_name = display.clone();
        let shared = Arc::new(Shared {
            read_end,
            command,
            display,
            cwd: cwd.map(Path::to_path_buf),
            state: Mutex::new(State {
                pid: None,
                group: None,
                phase: Phase::Running,
                terminating_since: None,
                started: Instant::now(),
                fast_deaths: 0,
                watcher_done: false,
            }),
            cond: Condvar::new(),
        });
        let pid = spawn(&shared)?;
        {
            let mut st = shared.lock();
            st.pid = Some(pid);
            st.group = Some(pid);
        }
        let s2 = Arc::clone(&shared);
        let watcher = std::thread::Builder::new()
            .name("spoor-piped-log".into())
            .spawn(move || watch(s2, pid));
        let watcher = match watcher {
            Ok(w) => w,
            Err(e) => {
                // No watcher: stop the child ourselves.
                let mut st = shared.lock();
                st.phase = Phase::Terminating;
                if let Some(pid) = st.pid.take() {
                    // SAFETY: plain syscalls on our own unreaped child (it
                    // leads its group, so the group id is valid).
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                        libc::waitpid(pid, std::ptr::null_mut(), 0);
                    }
                }
                return Err(e);
            }
        };
        Ok(Piped {
            out: Out::new(Fd::Owned(write_end), &display_name, reporter),
            shared,
            watcher: Mutex::new(Some(watcher)),
        })
    }

    /// The current child's process id.
    pub(super) fn child_pid(&self) -> Option<u32> {
        self.shared.lock().pid.map(|p| p as u32)
    }

    /// Closes the write end, gives the child `drain` to read what is left
    /// and exit, then SIGTERM (and SIGKILL if it ignores that), and reaps
    /// it. Every wait is bounded.
    pub(super) fn close(&self, drain: Duration) -> io::Result<()> {
        {
            let mut st = self.shared.lock();
            if st.phase != Phase::Running {
                return Ok(());
            }
            st.phase = Phase::Draining;
        }
        // Waits for writes in flight, then closes: the child sees end of
        // file once it has read everything.
        drop(self.out.take());
        let sh = &self.shared;
        let mut st = sh.wait_until(sh.lock(), drain, |s| s.watcher_done);
        let mut result = Ok(());
        if !st.watcher_done {
            let left = pending(&sh.read_end);
            st.phase = Phase::Terminating;
            st.terminating_since = Some(Instant::now());
            sh.cond.notify_all();
            for sig in [libc::SIGTERM, libc::SIGKILL] {
                if let Some(group) = st.group {
                    // SAFETY: a group id stays allocated while a process
                    // (even a zombie) is in the group; `group` is cleared
                    // once none is left alive.
                    unsafe { libc::kill(-group, sig) };
                }
                st = sh.wait_until(st, TERM_GRACE, |s| s.watcher_done);
                if st.watcher_done {
                    break;
                }
            }
            if left > 0 {
                result = Err(io::Error::other(format!(
                    "piped log program '{}' did not read the last {left} bytes within {drain:?}",
                    sh.display
                )));
            }
        }
        let done = st.watcher_done;
        drop(st);
        let handle = self
            .watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = handle {
            if done {
                let _ = h.join();
            } else {
                eprintln!(
                    "spoor: piped log program '{}' could not be stopped; leaving it",
                    sh.display
                );
            }
        }
        result
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        let _ = self.close(Duration::from_secs(5));
    }
}

fn make_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both descriptors are fresh and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Bytes written into the pipe and not yet read.
fn pending(fd: &OwnedFd) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) };
    if r == 0 {
        n.max(0) as usize
    } else {
        0
    }
}

/// Starts one child with a duplicate of the read end as its standard input.
fn spawn(sh: &Shared) -> io::Result<libc::pid_t> {
    let stdin = sh.read_end.try_clone()?;
    let mut cmd = match &sh.command {
        PipedCommand::Program(argv) => {
            // httpd execs the program without a PATH search (execve), so a
            // bare name is looked up in the working directory; "./name"
            // gives std's execvp the same meaning.
            let prog = &argv[0];
            let mut c = if prog.contains('/') {
                Command::new(prog)
            } else {
                Command::new(format!("./{prog}"))
            };
            c.arg0(prog).args(&argv[1..]);
            c
        }
        PipedCommand::Shell(line) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(line);
            c
        }
    };
    cmd.stdin(Stdio::from(stdin));
    // Its own process group: a terminal's SIGINT does not kill the logger
    // behind the server's back, and close can signal whatever a shell
    // command started.
    cmd.process_group(0);
    if let Some(dir) = &sh.cwd {
        cmd.current_dir(dir);
    }
    let child = cmd.spawn()?;
    // The std handle is dropped without waiting: the watcher reaps by pid.
    Ok(child.id() as libc::pid_t)
}

/// Blocks until `pid` has exited, without reaping it.
fn wait_exit(pid: libc::pid_t) {
    loop {
        // SAFETY: `info` is plain data written by waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: plain syscall on our child.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            // Exited, or ECHILD (someone else reaped it / SIGCHLD ignored).
            return;
        }
    }
}

fn describe(status: libc::c_int) -> String {
    if libc::WIFEXITED(status) {
        format!("exit status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("status {status}")
    }
}

/// Whether a process other than a zombie is left in group `pgid`.
fn group_alive(pgid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only probes.
    if unsafe { libc::kill(-pgid, 0) } != 0
        && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    {
        return false;
    }
    // kill() also succeeds for zombies (an orphan whose new parent does not
    // reap it); on Linux look at the members' states.
    #[cfg(target_os = "linux")]
    if let Some(alive) = proc_group_has_live_member(pgid) {
        return alive;
    }
    true
}

#[cfg(target_os = "linux")]
fn proc_group_has_live_member(pgid: libc::pid_t) -> Option<bool> {
    for entry in std::fs::read_dir("/proc").ok()? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ..."; comm may hold anything.
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut fields = stat[close + 1..].split_ascii_whitespace();
        let state = fields.next().unwrap_or("");
        let pgrp = fields.nth(1).and_then(|f| f.parse::<libc::pid_t>().ok());
        if pgrp == Some(pgid) && state != "Z" && state != "X" {
            return Some(true);
        }
    }
    Some(false)
}

/// The watcher thread: waits for the child, reaps it, waits for what is
/// left of its process group, and starts a new child unless the logger is
/// closing.
fn watch(sh: Arc<Shared>, mut pid: libc::pid_t) {
    loop {
        wait_exit(pid);
        let mut st = sh.lock();
        st.pid = None;
        let mut status: libc::c_int = 0;
        // SAFETY: reaping our own exited child; `pid` was cleared above so
        // nobody signals it by pid after this.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        let how = if r == pid {
            describe(status)
        } else {
            "status unknown".to_string()
        };
        let lived = st.started.elapsed();
        sh.cond.notify_all();
        if st.phase == Phase::Running {
            // httpd's AH00106.
            eprintln!(
                "spoor: AH00106: piped log program '{}' failed unexpectedly ({how})",
                sh.display
            );
        }
        // Something the child started may still be reading the pipe (the
        // command of a `|$…` shell). A second reader could take half a
        // record, so no new child until the group is empty.
        while let Some(group) = st.group {
            if !group_alive(group) {
                st.group = None;
                break;
            }
            if let Some(t) = st.terminating_since {
                if t.elapsed() > TERM_GRACE * 2 + Duration::from_secs(1) {
                    break;
                }
            }
            st = sh.wait_until(st, GROUP_POLL, |_| false);
        }
        let restart = match st.phase {
            Phase::Running => true,
            Phase::Draining => pending(&sh.read_end) > 0,
            Phase::Terminating => false,
        };
        if !restart {
            st.watcher_done = true;
            sh.cond.notify_all();
            return;
        }
        if lived >= STABLE_RUN {
            st.fast_deaths = 0;
        } else {
            st.fast_deaths = st.fast_deaths.saturating_add(1);
        }
        let mut delay = backoff(st.fast_deaths);
        loop {
            if !delay.is_zero() {
                st = sh.wait_until(st, delay, |s| s.phase == Phase::Terminating);
            }
            let give_up = match st.phase {
                Phase::Running => false,
                Phase::Draining => pending(&sh.read_end) == 0,
                Phase::Terminating => true,
            };
            if give_up {
                st.watcher_done = true;
                sh.cond.notify_all();
                return;
            }
            match spawn(&sh) {
                Ok(p) => {
                    pid = p;
                    st.pid = Some(p);
                    st.group = Some(p);
                    st.started = Instant::now();
                    sh.cond.notify_all();
                    break;
                }
                Err(e) => {
                    eprintln!(
                        "spoor: AH00104: unable to start piped log program '{}': {e}",
                        sh.display
                    );
                    st.fast_deaths = st.fast_deaths.saturating_add(1);
                    delay = backoff(st.fast_deaths).max(BACKOFF_MIN);
                }
            }
        }
    }
}

fn backoff(fast_deaths: u32) -> Duration {
    if fast_deaths == 0 {
        return Duration::ZERO;
    }
    let shift = (fast_deaths - 1).min(16);
    BACKOFF_MIN.saturating_mul(1 << shift).min(BACKOFF_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(1), BACKOFF_MIN);
        assert_eq!(backoff(2), BACKOFF_MIN * 2);
        assert_eq!(backoff(40), BACKOFF_MAX);
    }

    #[test]
    fn pipe_is_cloexec_and_pending_counts() {
        let (r, w) = make_pipe().unwrap();
        for fd in [&r, &w] {
            // SAFETY: fcntl on an open descriptor.
            let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
            assert_ne!(flags & libc::FD_CLOEXEC, 0);
        }
        super::super::fd::write_all_fd(w.as_raw_fd(), b"hello\n").unwrap();
        assert_eq!(pending(&r), 6);
    }
}
