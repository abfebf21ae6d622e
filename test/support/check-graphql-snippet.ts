import {
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  Kind,
  parse,
  print,
  specifiedRules,
  validate,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { envelop, type Plugin } from 'graphql-yoga';
import { queryLimits } from '../../api/query-limits';
import type { GraphQLSnippet } from './graphql-snippets';

/**
 * Parse and validate as the API does: graphql-js with the API's own graphql-armor plugin
 * (token limit at parsing; depth, cost, aliases and directives at validation).
 */
function apiPipeline(): { parse: (source: string) => DocumentNode; validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[] } {
  const engine: Plugin = {
    onParse: ({ setParseFn }) => setParseFn(parse),
    onValidate: ({ setValidationFn, addValidationRule }) => {
      setValidationFn(validate);
      for (const rule of specifiedRules) addValidationRule(rule);
    },
  };
  const enveloped = envelop({ plugins: [engine, queryLimits({ suggestFields: true })] })({});
  return {
    parse: (source) => enveloped.parse(source),
    validate: (schema, document) => enveloped.validate(schema, document),
  };
}

const pipeline = apiPipeline();

/** Runs `check`, turning a thrown GraphQLError (armor's limits throw) into a result. */
function collect(check: () => readonly GraphQLError[] | DocumentNode): readonly GraphQLError[] | DocumentNode {
  try {
    return check();
  } catch (error) {
    if (error instanceof Error && error.name === 'GraphQLError') return [error as GraphQLError];
    throw error;
  }
}

function at(snippet: GraphQLSnippet, lineInSnippet: number | undefined, message: string): string {
  return `${snippet.file}:${snippet.line + (lineInSnippet ?? 1) - 1}: ${message}`;
}

function located(snippet: GraphQLSnippet, error: GraphQLError): string {
  return at(snippet, error.locations?.[0]?.line, error.message);
}

function lineOf(definition: { loc?: { startToken: { line: number } } }): number | undefined {
  return definition.loc?.startToken.line;
}

function checkOperation(snippet: GraphQLSnippet, schema: GraphQLSchema): string[] {
  const parsed = collect(() => pipeline.parse(snippet.source));
  if (Array.isArray(parsed)) return parsed.map((error) => located(snippet, error));
  const document = parsed as DocumentNode;
  const schemaParts = document.definitions.filter((definition) => definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION);
  if (schemaParts.length > 0) {
    return schemaParts.map((definition) => at(snippet, lineOf(definition), `${definition.kind} is not an operation: mark a schema excerpt \`\`\`graphql sdl`));
  }
  const validated = collect(() => pipeline.validate(schema, document)) as readonly GraphQLError[];
  if (validated.length > 0) return validated.map((error) => located(snippet, error));

  let variables: Record<string, unknown> = {};
  if (snippet.variables) {
    try {
      variables = JSON.parse(snippet.variables.text) as Record<string, unknown>;
    } catch (error) {
      return [`${snippet.file}:${snippet.variables.line}: the variables are not JSON: ${(error as Error).message}`];
    }
  }
  const problems: string[] = [];
  for (const operation of document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)) {
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    for (const error of coerced.errors ?? []) {
      problems.push(at(snippet, lineOf(operation), `${error.message} (give the variables in a \`\`\`json block right after the operation)`));
    }
  }
  return problems;
}

/** Each definition of an excerpt must say what the printed schema says, though it may leave parts out. */
function checkSchemaDefinition(snippet: GraphQLSnippet, schema: GraphQLSchema, definition: DefinitionNode): string[] {
  const where = (node: { loc?: { startToken: { line: number } } }, message: string): string => at(snippet, lineOf(node), message);
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION: {
      const name = definition.name.value;
      const found = schema.getType(name);
      const isInterface = definition.kind === Kind.INTERFACE_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION;
      if (!(isInterface ? isInterfaceType(found) : isObjectType(found))) return [where(definition, `the schema has no ${isInterface ? 'interface' : 'type'} ${name}`)];
      const type = found as GraphQLObjectType | GraphQLInterfaceType;
      const problems: string[] = [];
      const interfaces = type.getInterfaces().map((implemented) => implemented.name);
      for (const implemented of definition.interfaces ?? []) {
        if (!interfaces.includes(implemented.name.value)) problems.push(where(implemented, `${name} does not implement ${implemented.name.value}`));
      }
      const fields = type.getFields();
      for (const field of definition.fields ?? []) {
        const actual = fields[field.name.value];
        if (!actual) {
          problems.push(where(field, `${name} has no field ${field.name.value}`));
          continue;
        }
        if (print(field.type) !== String(actual.type)) problems.push(where(field, `${name}.${field.name.value} is ${String(actual.type)}, not ${print(field.type)}`));
        for (const argument of field.arguments ?? []) {
          const actualArgument = actual.args.find((candidate) => candidate.name === argument.name.value);
          if (!actualArgument) problems.push(where(argument, `${name}.${field.name.value} has no argument ${argument.name.value}`));
          else if (print(argument.type) !== String(actualArgument.type)) problems.push(where(argument, `${name}.${field.name.value}(${argument.name.value}) is ${String(actualArgument.type)}, not ${print(argument.type)}`));
        }
      }
      return problems;
    }
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION: {
      const type = schema.getType(definition.name.value);
      if (!isInputObjectType(type)) return [where(definition, `the schema has no input ${definition.name.value}`)];
      const fields = type.getFields();
      return (definition.fields ?? []).flatMap((field) => {
        const actual = fields[field.name.value];
        if (!actual) return [where(field, `${type.name} has no field ${field.name.value}`)];
        return print(field.type) === String(actual.type) ? [] : [where(field, `${type.name}.${field.name.value} is ${String(actual.type)}, not ${print(field.type)}`)];
      });
    }
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION: {
      const type = schema.getType(definition.name.value);
      if (!isUnionType(type)) return [where(definition, `the schema has no union ${definition.name.value}`)];
      const members = type.getTypes().map((member) => member.name);
      return (definition.types ?? []).filter((member) => !members.includes(member.name.value)).map((member) => where(member, `${type.name} has no member ${member.name.value}`));
    }
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION: {
      const type = schema.getType(definition.name.value);
      if (!isEnumType(type)) return [where(definition, `the schema has no enum ${definition.name.value}`)];
      return (definition.values ?? []).filter((value) => !type.getValue(value.name.value)).map((value) => where(value, `${type.name} has no value ${value.name.value}`));
    }
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      return isScalarType(schema.getType(definition.name.value)) ? [] : [where(definition, `the schema has no scalar ${definition.name.value}`)];
    case Kind.DIRECTIVE_DEFINITION:
      return schema.getDirective(definition.name.value) ? [] : [where(definition, `the schema has no directive @${definition.name.value}`)];
    default:
      return [where(definition, `${definition.kind} is not a schema excerpt: an operation belongs in a \`\`\`graphql block`)];
  }
}

function checkSchemaExcerpt(snippet: GraphQLSnippet, schema: GraphQLSchema): string[] {
  const parsed = collect(() => parse(snippet.source));
  if (Array.isArray(parsed)) return parsed.map((error) => located(snippet, error));
  return (parsed as DocumentNode).definitions.flatMap((definition) => checkSchemaDefinition(snippet, schema, definition));
}

/**
 * What is wrong with a snippet, each as `file:line: message`; nothing when an operation is
 * valid against the schema and within the API's limits with the variables given beside it, or
 * when a schema excerpt says what the schema says.
 */
export function checkGraphQLSnippet(snippet: GraphQLSnippet, schema: GraphQLSchema): string[] {
  if (snippet.problem) return [at(snippet, 1, snippet.problem)];
  return snippet.kind === 'schema' ? checkSchemaExcerpt(snippet, schema) : checkOperation(snippet, schema);
}
