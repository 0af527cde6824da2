export * from './event-types';
export * from './prototype-keys';
export * from './event-filter';
export * from './event-envelope';
export * from './callback-address';
export * from './dto/as-list';
export * from './dto/is-http-url.validator';
export * from './dto/callback-address.dto';
