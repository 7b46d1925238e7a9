// The part of google.ai.generativelanguage.v1beta.GenerateContentRequest the
// emulator knows, field by field (camelCase names; protoJson.ts also accepts
// the snake_case ones). Anything not listed here is an "Unknown name" 400, as
// on the real API, so a typo in the bot's request fails in tests, not in
// production. Below the schema: the TypeScript shape of a body that passed it.

import type { FieldSpec, FieldType, MessageSchema } from './protoJson.js';

const string: FieldSpec = { type: { kind: 'string' } };
const bool: FieldSpec = { type: { kind: 'bool' } };
const int: FieldSpec = { type: { kind: 'number', integer: true } };
const float: FieldSpec = { type: { kind: 'number', integer: false } };
const bytes: FieldSpec = { type: { kind: 'bytes' } };
const json: FieldSpec = { type: { kind: 'json' } };

function message(typeName: string, fields: Record<string, FieldSpec>): FieldType {
  return { kind: 'message', schema: { typeName, fields } };
}

function enumOf(typeName: string, values: readonly string[]): FieldType {
  return { kind: 'enum', typeName, values };
}

const blob = message('Blob', { mimeType: string, data: bytes });
const fileData = message('FileData', { mimeType: string, fileUri: string });
const functionCall = message('FunctionCall', { id: string, name: string, args: json });
const functionResponse = message('FunctionResponse', { id: string, name: string, response: json });
const executableCode = message('ExecutableCode', {
  language: { type: enumOf('ExecutableCode.Language', ['LANGUAGE_UNSPECIFIED', 'PYTHON']) },
  code: string,
});
const codeExecutionResult = message('CodeExecutionResult', {
  outcome: {
    type: enumOf('CodeExecutionResult.Outcome', [
      'OUTCOME_UNSPECIFIED',
      'OUTCOME_OK',
      'OUTCOME_FAILED',
      'OUTCOME_DEADLINE_EXCEEDED',
    ]),
  },
  output: string,
});
const videoMetadata = message('VideoMetadata', { startOffset: string, endOffset: string, fps: float });

/** The oneof `data` of a Part: exactly one of these may be set. */
export const PART_DATA_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
] as const;

const part = message('Part', {
  text: string,
  inlineData: { type: blob },
  fileData: { type: fileData },
  functionCall: { type: functionCall },
  functionResponse: { type: functionResponse },
  executableCode: { type: executableCode },
  codeExecutionResult: { type: codeExecutionResult },
  thought: bool,
  // bytes in the proto, so a signature must at least be valid base64.
  thoughtSignature: bytes,
  videoMetadata: { type: videoMetadata },
  partMetadata: json,
});

const content = message('Content', { role: string, parts: { type: part, repeated: true } });

export const MODALITIES = ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO'] as const;

const generationConfig = message('GenerationConfig', {
  stopSequences: { type: { kind: 'string' }, repeated: true },
  responseMimeType: string,
  responseSchema: json,
  responseJsonSchema: json,
  responseModalities: { type: enumOf('GenerationConfig.Modality', MODALITIES), repeated: true },
  candidateCount: int,
  maxOutputTokens: int,
  temperature: float,
  topP: float,
  topK: int,
  seed: int,
  presencePenalty: float,
  frequencyPenalty: float,
  responseLogprobs: bool,
  logprobs: int,
  enableEnhancedCivicAnswers: bool,
  speechConfig: json,
  mediaResolution: {
    type: enumOf('GenerationConfig.MediaResolution', [
      'MEDIA_RESOLUTION_UNSPECIFIED',
      'MEDIA_RESOLUTION_LOW',
      'MEDIA_RESOLUTION_MEDIUM',
      'MEDIA_RESOLUTION_HIGH',
    ]),
  },
  thinkingConfig: {
    type: message('ThinkingConfig', {
      includeThoughts: bool,
      thinkingBudget: int,
      thinkingLevel: {
        type: enumOf('ThinkingConfig.ThinkingLevel', ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH']),
      },
    }),
  },
  // Strings in the proto: their allowed values are checked in validateRequest.ts.
  imageConfig: { type: message('ImageConfig', { aspectRatio: string, imageSize: string }) },
});

const safetySetting = message('SafetySetting', {
  category: {
    type: enumOf('HarmCategory', [
      'HARM_CATEGORY_UNSPECIFIED',
      'HARM_CATEGORY_HARASSMENT',
      'HARM_CATEGORY_HATE_SPEECH',
      'HARM_CATEGORY_SEXUALLY_EXPLICIT',
      'HARM_CATEGORY_DANGEROUS_CONTENT',
      'HARM_CATEGORY_CIVIC_INTEGRITY',
    ]),
  },
  threshold: {
    type: enumOf('SafetySetting.HarmBlockThreshold', [
      'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
      'BLOCK_LOW_AND_ABOVE',
      'BLOCK_MEDIUM_AND_ABOVE',
      'BLOCK_ONLY_HIGH',
      'BLOCK_NONE',
      'OFF',
    ]),
  },
});

const tool = message('Tool', {
  functionDeclarations: { type: { kind: 'json' }, repeated: true },
  googleSearch: json,
  googleSearchRetrieval: json,
  codeExecution: json,
  urlContext: json,
});

export const GENERATE_CONTENT_REQUEST: MessageSchema = {
  typeName: 'GenerateContentRequest',
  fields: {
    model: string,
    contents: { type: content, repeated: true },
    systemInstruction: { type: content },
    tools: { type: tool, repeated: true },
    toolConfig: { type: message('ToolConfig', { functionCallingConfig: json }) },
    safetySettings: { type: safetySetting, repeated: true },
    generationConfig: { type: generationConfig },
    cachedContent: string,
  },
};

// The shape of a request after parseProtoJson: camelCase names only, null fields dropped.

export interface RequestBlob {
  mimeType?: string;
  data?: string;
}

export interface RequestPart {
  text?: string;
  inlineData?: RequestBlob;
  fileData?: { mimeType?: string; fileUri?: string };
  functionCall?: Record<string, unknown>;
  functionResponse?: Record<string, unknown>;
  executableCode?: Record<string, unknown>;
  codeExecutionResult?: Record<string, unknown>;
  thought?: boolean;
  thoughtSignature?: string;
  [field: string]: unknown;
}

export interface RequestContent {
  role?: string;
  parts?: RequestPart[];
}

export interface GenerateContentRequest {
  model?: string;
  contents?: RequestContent[];
  systemInstruction?: RequestContent;
  tools?: Array<Record<string, unknown>>;
  safetySettings?: Array<{ category?: string; threshold?: string }>;
  generationConfig?: {
    responseModalities?: string[];
    candidateCount?: number;
    imageConfig?: { aspectRatio?: string; imageSize?: string };
    thinkingConfig?: { includeThoughts?: boolean; thinkingBudget?: number; thinkingLevel?: string };
    [field: string]: unknown;
  };
  [field: string]: unknown;
}
