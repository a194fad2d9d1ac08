//! `<Limit>` and `<LimitExcept>` (core): the methods the access-control
//! directives inside them apply to.
//!
//! httpd numbers methods (`M_GET`… and, for other names, a number
//! registered when a `<Limit>` names one) and keeps a bit mask; a `HEAD`
//! request is `M_GET`, and `HEAD` in a `<Limit>` means `M_GET` too. spoor
//! keeps the names: a set of method names, or everything but a set. Two
//! methods httpd would give the same number have the same name here
//! (`HEAD` is written `GET`), and a method no `<Limit>` names is in no
//! listed set and in every complement, as httpd's unregistered methods
//! (`M_INVALID`) are.

/// A set of request methods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodSet {
    /// The names (canonical: `HEAD` as `GET`), sorted, without repeats.
    names: Vec<String>,
    /// The set is every method except `names`.
    except: bool,
}

impl Default for MethodSet {
    fn default() -> Self {
        MethodSet::all()
    }
}

/// The name a method is compared by (`HEAD` is `GET`, as httpd numbers
/// it).
fn canonical(m: &[u8]) -> &[u8] {
    if m == b"HEAD" {
        b"GET"
    } else {
        m
    }
}

impl MethodSet {
    /// Every method (outside any `<Limit>`).
    pub fn all() -> MethodSet {
        MethodSet {
            names: Vec::new(),
            except: true,
        }
    }

    /// No method (the union's start).
    pub fn none() -> MethodSet {
        MethodSet {
            names: Vec::new(),
            except: false,
        }
    }

    /// `names`, or every other method with `except`.
    pub fn of(names: &[String], except: bool) -> MethodSet {
        let mut v: Vec<String> = names
            .iter()
            .map(|n| String::from_utf8_lossy(canonical(n.as_bytes())).into_owned())
            .collect();
        v.sort();
        v.dedup();
        MethodSet { names: v, except }
    }

    /// Whether every method is in the set.
    pub fn is_all(&self) -> bool {
        self.except && self.names.is_empty()
    }

    /// Whether the request method `m` is in the set.
    pub fn contains(&self, m: &[u8]) -> bool {
        let m = canonical(m);
        self.names.iter().any(|n| n.as_bytes() == m) != self.except
    }

    fn merge_names(a: &[String], b: &[String], keep: impl Fn(bool, bool) -> bool) -> Vec<String> {
        let mut v: Vec<String> = a.iter().chain(b).cloned().collect();
        v.sort();
        v.dedup();
        v.retain(|n| keep(a.contains(n), b.contains(n)));
        v
    }

    /// The methods in both.
    pub fn intersect(&self, o: &MethodSet) -> MethodSet {
        let (names, except) = match (self.except, o.except) {
            (false, false) => (
                Self::merge_names(&self.names, &o.names, |x, y| x && y),
                false,
            ),
            (false, true) => (
                Self::merge_names(&self.names, &o.names, |x, y| x && !y),
                false,
            ),
            (true, false) => (
                Self::merge_names(&self.names, &o.names, |x, y| !x && y),
                false,
            ),
            (true, true) => (
                Self::merge_names(&self.names, &o.names, |x, y| x || y),
                true,
            ),
        };
        MethodSet { names, except }
    }

    /// The methods in either.
    pub fn union(&self, o: &MethodSet) -> MethodSet {
        let (names, except) = match (self.except, o.except) {
            (false, false) => (
                Self::merge_names(&self.names, &o.names, |x, y| x || y),
                false,
            ),
            (false, true) => (
                Self::merge_names(&self.names, &o.names, |x, y| !x && y),
                true,
            ),
            (true, false) => (
                Self::merge_names(&self.names, &o.names, |x, y| x && !y),
                true,
            ),
            (true, true) => (
                Self::merge_names(&self.names, &o.names, |x, y| x && y),
                true,
            ),
        };
        MethodSet { names, except }
    }

    /// Whether no method is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        !self.except && self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(names: &[&str], except: bool) -> MethodSet {
        let v: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        MethodSet::of(&v, except)
    }

    #[test]
    fn sets() {
        let get = s(&["HEAD"], false);
        assert!(get.contains(b"GET") && get.contains(b"HEAD") && !get.contains(b"POST"));
        let not_get = s(&["GET"], true);
        assert!(!not_get.contains(b"HEAD") && not_get.contains(b"FOO"));
        assert!(get.intersect(&not_get).is_empty());
        assert_eq!(
            s(&["GET", "POST"], false).intersect(&not_get),
            s(&["POST"], false)
        );
        assert_eq!(
            s(&["POST"], true).intersect(&not_get),
            s(&["GET", "POST"], true)
        );
        assert!(get.union(&not_get).is_all());
        assert_eq!(get.union(&s(&["POST"], false)), s(&["GET", "POST"], false));
        assert_eq!(
            s(&["PUT"], true).union(&s(&["PUT", "X"], true)),
            s(&["PUT"], true)
        );
        assert_eq!(MethodSet::all().intersect(&get), get);
        assert!(!s(&["get"], false).contains(b"GET"));
    }
}
