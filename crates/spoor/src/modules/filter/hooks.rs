//! mod_filter's hooks: the filters of the request's scope are inserted
//! before the handler runs (httpd's insert-filter step: a mark on the
//! request, which tells the static handler to hand a HEAD request's file
//! on too), and its harness decides with the response's final status
//! and type (httpd's `filter_harness` on its first call) which of them
//! start.

use super::dirconf::Provider;
use crate::hooks::{Flow, Module, Phase, Phases};
use crate::record::Cx;
use crate::site::Config;

/// mod_filter.
pub(crate) struct Filter;

impl Module for Filter {
    fn name(&self) -> &'static str {
        "mod_filter.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.output_filters {
            Phases::NONE.with(Phase::Fixups).with(Phase::OutputFilter)
        } else {
            Phases::NONE
        }
    }

    fn order(&self, _p: Phase) -> i8 {
        // httpd's insert-filter step comes after every fixup.
        crate::hooks::REALLY_LAST
    }

    fn fixups(&self, r: &mut Cx) -> Flow {
        r.reply.filters_inserted = !r.dir.filter.chain.is_empty()
            || r.dir
                .core
                .set_output_filter
                .as_ref()
                .is_some_and(|l| !l.is_empty());
        Flow::Declined
    }

    fn output_filter(&self, r: &mut Cx) {
        if !r.reply.filters_inserted {
            return;
        }
        // Core's `SetOutputFilter` filters: for every response a handler
        // produced (httpd's built-in error pages go out without them),
        // whatever its status or type.
        let set = r.dir.core.set_output_filter.clone().unwrap_or_default();
        if !set.is_empty() && !r.reply.builtin_page {
            for p in &set {
                let f = match p {
                    Provider::Deflate => crate::modules::deflate::filter::start(r),
                };
                if let Some(f) = f {
                    r.filters.push(f);
                }
            }
            // A filter named here too is not run twice.
            return;
        }
        // The harness passes anything but a 200 through, unless the
        // `filter-errordocs` variable is set.
        if r.reply.status != 200 && !r.env.contains(b"filter-errordocs") {
            return;
        }
        let dir = r.dir.clone();
        let mut seen: Vec<Provider> = Vec::new();
        for &p in &dir.filter.chain {
            if seen.contains(&p) {
                // (A chain inherited and extended names it twice: the
                // second instance finds the body already encoded.)
                continue;
            }
            seen.push(p);
            let ct = r
                .reply
                .content_type
                .map(|i| r.reply.headers_out.value(&r.out, i));
            if !ct.is_some_and(|ct| dir.filter.matches(p, ct)) {
                continue;
            }
            let f = match p {
                Provider::Deflate => crate::modules::deflate::filter::start(r),
            };
            if let Some(f) = f {
                r.filters.push(f);
            }
        }
    }
}
