import { APPEND_EVENT, ENTRY_FIELD } from './event-stream';

describe('the event stream entry', () => {
  it('is appended under the one field the readers take', () => {
    expect(APPEND_EVENT).toContain(`redis.call('XADD', stream, '*', '${ENTRY_FIELD}', entry)`);
  });
});
