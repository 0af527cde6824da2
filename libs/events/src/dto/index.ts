// The request DTOs' decorators and classes (class-validator, class-transformer, Swagger's
// metadata), apart from the wire contract in '@app/events': only the api validates requests,
// and the dispatcher, which imports the contract, never loads these libraries (what that saves:
// docs/performance.md, "Where it stands: the fifth pass").
export * from './as-list';
export * from './is-http-url.validator';
export * from './callback-address.dto';
