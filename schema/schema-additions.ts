import { GraphQLObjectType, isObjectType, lexicographicSortSchema, printType, type GraphQLSchema } from 'graphql';

/**
 * What `extended` adds to `base`, as SDL that extends it: new types in full, and new fields of
 * existing object types as `extend type`. Applied to the printed base (graphql's extendSchema,
 * or any tool that reads both files) it gives the extended schema exactly. Anything else, a
 * changed field or type, throws: the printed base would then not be the extended schema's base.
 */
export function printSchemaAdditions(base: GraphQLSchema, extended: GraphQLSchema): string {
  const baseTypes = lexicographicSortSchema(base).getTypeMap();
  const blocks: string[] = [];
  for (const [name, type] of Object.entries(lexicographicSortSchema(extended).getTypeMap())) {
    if (name.startsWith('__')) continue;
    const existing = baseTypes[name];
    if (!existing) {
      blocks.push(printType(type));
      continue;
    }
    if (printType(existing) === printType(type)) continue;
    if (!isObjectType(existing) || !isObjectType(type)) throw new Error(`the extended schema changes ${name}; it may only add types and fields`);
    const config = type.toConfig();
    const baseFields = existing.getFields();
    const kept = new GraphQLObjectType({ ...config, fields: Object.fromEntries(Object.entries(config.fields).filter(([field]) => field in baseFields)) });
    if (printType(kept) !== printType(existing)) throw new Error(`the extended schema changes fields of ${name}; it may only add types and fields`);
    const added = new GraphQLObjectType({ name, fields: Object.fromEntries(Object.entries(config.fields).filter(([field]) => !(field in baseFields))) });
    blocks.push(`extend ${printType(added)}`);
  }
  return `${blocks.join('\n\n')}\n`;
}
