use crate::record::*;

impl Cx {
    /// A request starts: fresh log ids and environment; with mod_unique_id
    /// its UNIQUE_ID, stamped with the request's time (it is also `%L`).
    pub(crate) fn new_request_ids(&mut self) {
        self.ids.new_request();
        self.env.clear();
        self.forensic.reset();
        if self.cfg.unique_ids {
            let t = self.reply.request_time_us.div_euclid(1_000_000);
            let id = spoor_log::unique_id::UniqueIds::global().next(t);
            self.ids.set_unique(id);
        }
    }
}
