/** Ready-made flows the API and CLI offer, each with the outcome schema that fits its collected values. */
import type { FlowInput } from './schema.js';

/** A flow agent to start from: its settings (`kind`, `flow`, `outcome`) and the variables calls must give. */
export interface FlowTemplate {
  readonly name: string;
  readonly description: string;
  /** Variables every call must give. */
  readonly requiredVariables: readonly string[];
  /** Optional variables with the value used when a call gives none (also in `flow.defaults`). */
  readonly variableDefaults: Readonly<Record<string, string>>;
  readonly settings: {
    readonly kind: 'flow';
    readonly flow: FlowInput;
    readonly outcome: {
      readonly schema: Readonly<Record<string, unknown>>;
      readonly tags: readonly string[];
      readonly tag_rules: readonly Readonly<Record<string, unknown>>[];
      readonly summary: boolean;
    };
  };
}

const yesOrNoHint = 'Please say yes or no, or press 1 for yes and 2 for no.';

/** Appointment confirmation: confirm, or offer to reschedule and take a preferred date. */
export const appointmentConfirmationFlow: FlowInput = {
  start: 'greet',
  defaults: { business_name: 'our office' },
  goodbye: 'I have to let you go now. Thank you for your time, {{customer_name}}. Goodbye.',
  fallback: "I'm sorry, I'm having trouble hearing you. Someone from {{business_name}} will follow up with you. Goodbye.",
  voicemail:
    'Hi {{customer_name}}, this is {{business_name}} calling about your appointment on {{appointment_date}}. Please call us back to confirm. Thank you.',
  nodes: {
    greet: {
      type: 'say',
      text: 'Hi {{customer_name}}, this is {{business_name}} calling about your appointment on {{appointment_date}}.',
      next: 'confirm',
    },
    confirm: {
      type: 'ask',
      text: 'Can you confirm that you will be able to make it?',
      reprompt: `Sorry, I didn't catch that. Will you be able to make your appointment on {{appointment_date}}? ${yesOrNoHint}`,
      expect: 'yes_no',
      variable: 'confirmed',
      branches: { yes: 'confirmed_set', no: 'offer_reschedule' },
      on_fail: 'end_unclear',
    },
    confirmed_set: { type: 'set', variable: 'wants_reschedule', value: false, next: 'end_confirmed' },
    end_confirmed: {
      type: 'end',
      text: 'Great, your appointment is confirmed. Thank you, {{customer_name}}, and have a great day!',
      reason: 'confirmed',
    },
    offer_reschedule: {
      type: 'ask',
      text: 'No problem. Would you like to reschedule?',
      reprompt: `Sorry, I didn't catch that. Would you like to pick a new time for your appointment? ${yesOrNoHint}`,
      expect: 'yes_no',
      variable: 'wants_reschedule',
      branches: { yes: 'ask_date', no: 'end_declined' },
      on_fail: 'end_unclear',
    },
    ask_date: {
      type: 'ask',
      text: 'What day would work better for you?',
      reprompt: 'Sorry, which day would you prefer? For example, you can say next Tuesday or March 14th.',
      expect: 'date',
      variable: 'preferred_date',
      next: 'end_rescheduled',
      on_fail: 'end_reschedule_later',
    },
    end_rescheduled: {
      type: 'end',
      text: 'Thank you. Someone from {{business_name}} will call you to confirm the new time. Goodbye!',
      reason: 'reschedule_requested',
    },
    end_reschedule_later: {
      type: 'end',
      text: 'No worries. Someone from {{business_name}} will call you to find a new time. Goodbye!',
      reason: 'reschedule_requested',
    },
    end_declined: {
      type: 'end',
      text: 'Understood. Thank you for letting us know, {{customer_name}}. Have a good day!',
      reason: 'not_confirmed',
    },
    end_unclear: {
      type: 'end',
      text: "I'm sorry for the trouble. Someone from {{business_name}} will follow up with you. Goodbye.",
      reason: 'unclear',
    },
  },
};

/** The outcome of an appointment confirmation call, as a JSON Schema. */
export const appointmentConfirmationOutcomeSchema = {
  type: 'object',
  properties: {
    confirmed: { type: 'boolean', description: 'The contact confirmed they will attend the appointment' },
    wants_reschedule: { type: 'boolean', description: 'The contact asked to move the appointment' },
    preferred_date: {
      type: ['string', 'null'],
      description: 'The new date the contact prefers (YYYY-MM-DD, with time and offset when given), or null',
    },
  },
  required: ['confirmed', 'wants_reschedule', 'preferred_date'],
} as const;

export const appointmentConfirmation: FlowTemplate = {
  name: 'appointment_confirmation',
  description: 'Confirms an upcoming appointment; offers to reschedule and takes a preferred date.',
  requiredVariables: ['customer_name', 'appointment_date'],
  variableDefaults: { business_name: 'our office' },
  settings: {
    kind: 'flow',
    flow: appointmentConfirmationFlow,
    outcome: {
      schema: appointmentConfirmationOutcomeSchema,
      tags: ['confirmed', 'reschedule_requested', 'declined'],
      tag_rules: [
        { tag: 'confirmed', when: { confirmed: { equals: true } } },
        { tag: 'reschedule_requested', when: { wants_reschedule: { equals: true } } },
        { tag: 'declined', when: { confirmed: { equals: false }, wants_reschedule: { equals: false } } },
      ],
      summary: true,
    },
  },
};

export const flowTemplateNames = ['appointment_confirmation'] as const;
export type FlowTemplateName = (typeof flowTemplateNames)[number];

/** Every ready-made flow by name. */
export const flowTemplates: Readonly<Record<FlowTemplateName, FlowTemplate>> = {
  appointment_confirmation: appointmentConfirmation,
};
