/**
 * CRC16-XMODEM (polynomial 0x1021, initial 0), the hash of Redis Cluster's key slots, one step
 * at a time: `cluster-key-slot` (which `of` uses) hashes whole keys only, and drawing an id in
 * a partition tries sixteen ids that differ in their last character, whose hashes share all
 * steps but the last. Only for ASCII text (a UUID): each character is one byte.
 */
const TABLE = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** The CRC after one more byte. */
export function crc16Step(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
}

/** The CRC of an ASCII string. */
export function crc16Ascii(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i++) crc = crc16Step(crc, text.charCodeAt(i));
  return crc;
}
