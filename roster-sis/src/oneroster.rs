pub struct OneRosterSource;
