import { ENTRY_FIELD } from './event-stream';
import APPEND_EVENT from './scripts/append-event.lua';

describe('the event stream entry', () => {
  it('is appended under the one field the readers take', () => {
    expect(APPEND_EVENT).toContain(`redis.call('XADD', stream, '*', '${ENTRY_FIELD}', entry)`);
  });
});
