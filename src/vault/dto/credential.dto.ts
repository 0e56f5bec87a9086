import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { CREDENTIAL_SCHEMES, type CredentialScheme } from '../credential-schemes';

/**
 * A server's credential as an operator sends it. Which fields a scheme needs (and that no other
 * is given) is checked by parseCredential: 400 VAULT.INVALID_CREDENTIAL naming the field. The
 * secret fields are never echoed, logged or recorded.
 */
export class CredentialDto {
  @ApiPropertyOptional({ enum: CREDENTIAL_SCHEMES, description: 'Required to set; on rotation, the active scheme if left out.' })
  @IsOptional()
  @IsIn(CREDENTIAL_SCHEMES)
  scheme?: CredentialScheme;

  @ApiPropertyOptional({ description: 'bearer: the token (sent as Authorization: Bearer …).' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  token?: string;

  @ApiPropertyOptional({ enum: ['header', 'query'], description: 'api_key: where the key goes (default header).' })
  @IsOptional()
  @IsIn(['header', 'query'])
  in?: 'header' | 'query';

  @ApiPropertyOptional({ example: 'X-Api-Key', description: 'api_key: the header or query parameter name (not secret).' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;

  @ApiPropertyOptional({ description: 'api_key: the key.' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  key?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'headers: header name → secret value.' })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'env (stdio servers): environment variable name → secret value.' })
  @IsOptional()
  @IsObject()
  variables?: Record<string, string>;

  @ApiPropertyOptional({ description: 'oauth_client_credentials: the token endpoint.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  tokenUrl?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  clientId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  clientSecret?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

  @ApiPropertyOptional({ description: 'oauth_client_credentials: RFC 8707 resource indicator.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  resource?: string;

  @ApiPropertyOptional({ type: [String], example: ['https://auth.example.com'], description: 'mcp_oauth: the authorization servers (issuer identifiers) warden may get tokens from for this upstream.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(8)
  @IsString({ each: true })
  @MaxLength(2048, { each: true })
  authorizationServers?: string[];

  @ApiPropertyOptional({
    type: 'object',
    properties: {
      subjectToken: { type: 'string' },
      subjectTokenType: { type: 'string' },
      requestedTokenType: { type: 'string' },
      audience: { type: 'string' },
    },
    description: 'mcp_oauth: RFC 8693 token exchange instead of client credentials: subjectToken (secret), subjectTokenType, requestedTokenType (default access_token), audience.',
  })
  @IsOptional()
  @IsObject()
  tokenExchange?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ['basic', 'post', 'private_key_jwt'],
    description:
      'oauth_client_credentials, oauth_refresh_token: client_secret_basic (default), client_secret_post, or private_key_jwt (default when privateKey is given); oauth_refresh_token also none (a public client); mcp_oauth: with a secret, default from the authorization server metadata; with a privateKey, private_key_jwt.',
  })
  @IsOptional()
  @IsIn(['basic', 'post', 'private_key_jwt', 'none'])
  clientAuth?: 'basic' | 'post' | 'private_key_jwt' | 'none';

  @ApiPropertyOptional({ description: 'oauth_refresh_token: the refresh token an operator obtained by authorizing warden at the authorization server (secret). One the server rotates is stored as the next version.' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  refreshToken?: string;

  @ApiPropertyOptional({ description: 'private_key_jwt (RFC 7523): the client\'s private key, unencrypted PEM (PKCS#8, PKCS#1 or SEC 1): RSA ≥ 2048 bits (RS256), EC P-256/P-384/P-521 (ES256/384/512) or Ed25519 (EdDSA). Secret; instead of clientSecret.' })
  @IsOptional()
  @IsString()
  @MaxLength(16384)
  privateKey?: string;

  @ApiPropertyOptional({ description: 'private_key_jwt: the kid of the client\'s key at the authorization server (not secret).' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  keyId?: string;

  @ApiPropertyOptional({ enum: ['token_endpoint', 'issuer'], description: 'mcp_oauth with private_key_jwt: the aud of the assertion, the token endpoint URL (default) or the issuer identifier.' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  assertionAudience?: string;
}
