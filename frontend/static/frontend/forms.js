// The script of the forms without a live list (submission, edit, check-in): their character counters, and
// the polite region the submission form's similar proposals (similar.js) speak through. The live pages
// start the same from live.js, which they load instead: never both on one page.

import { enhanceCounters, startAnnouncer } from "./shared.js";

enhanceCounters(document);
startAnnouncer();
