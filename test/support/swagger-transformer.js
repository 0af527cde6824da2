// ts-jest hook for the @nestjs/swagger compiler plugin, so tests see the same OpenAPI
// description as the webpack build (nest-cli.json runs the plugin there).
const plugin = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler) =>
  plugin.before(
    {
      classValidatorShim: true,
      introspectComments: true,
      dtoFileNameSuffix: ['.dto.ts'],
      controllerFileNameSuffix: ['.controller.ts'],
    },
    compiler.program,
  );
