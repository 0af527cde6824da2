/** A secret as the Management API shows it: its id only, never its value. */
export interface SecretResponse {
  '@type': 'Secret';
  '@id': string;
}

export function toSecretResponse(id: string): SecretResponse {
  return { '@type': 'Secret', '@id': id };
}
