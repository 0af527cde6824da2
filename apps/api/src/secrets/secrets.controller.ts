import { ApiTags } from '@nestjs/swagger';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseFilters } from '@nestjs/common';
import { idResponse } from '../json-ld/edc-response';
import { SecretDto, SecretValueDto } from './secret.dto';
import { toSecretResponse } from './secret.response';
import { SecretValueRedactionFilter } from './secret-value-redaction.filter';
import { SecretsService } from './secrets.service';

@ApiTags('Secrets')
@Controller('management/v3/secrets')
@UseFilters(SecretValueRedactionFilter)
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Post()
  @HttpCode(200)
  async create(@Body() secret: SecretDto) {
    const createdAt = await this.secrets.create(secret['@id'], secret.value);
    return idResponse(secret['@id'], createdAt);
  }

  @Get()
  async list() {
    return (await this.secrets.list()).map(toSecretResponse);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toSecretResponse(await this.secrets.get(id));
  }

  /** EDC's form: the id is in the body. */
  @Put()
  @HttpCode(204)
  async update(@Body() secret: SecretDto): Promise<void> {
    await this.secrets.update(secret['@id'], secret.value);
  }

  @Put(':id')
  @HttpCode(204)
  async updateAt(@Param('id') id: string, @Body() body: SecretValueDto): Promise<void> {
    await this.secrets.updateAt(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.secrets.delete(id);
  }
}
