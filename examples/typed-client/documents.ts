import { graphql } from './graphql';

// The operations of the README's walk ("Walk through a receivable", "Finance it", "Move the
// money"), each party's own, typed from schema/schema.graphql.

export const RegisterReceivable = graphql(`
  mutation RegisterReceivable($input: RegisterReceivableInput!) {
    registerReceivable(input: $input) {
      __typename
      ... on Receivable { id registrationNumber status }
      ... on ValidationError { issues { path message } }
      ... on Error { code message }
    }
  }
`);

export const ConfirmReceivable = graphql(`
  mutation ConfirmReceivable($id: ID!, $confirmedAmount: String) {
    confirmReceivable(id: $id, confirmedAmount: $confirmedAmount) {
      __typename
      ... on Receivable { status confirmedAmount { amount currency } }
      ... on Error { code message }
    }
  }
`);

export const RegisterPayoutAccount = graphql(`
  mutation RegisterPayoutAccount($input: BankAccountInput!) {
    registerPayoutAccount(input: $input) {
      __typename
      ... on PartyBankAccount { id status }
      ... on ValidationError { issues { path message } }
      ... on Error { code message }
    }
  }
`);

export const ApprovePayoutAccount = graphql(`
  mutation ApprovePayoutAccount($id: ID!) {
    approvePayoutAccount(id: $id) {
      __typename
      ... on PartyBankAccount { id status }
      ... on Error { code message }
    }
  }
`);

export const Programs = graphql(`
  query Programs {
    programs(first: 10) { edges { node { id name } } }
  }
`);

export const QuoteFinancing = graphql(`
  query QuoteFinancing($receivableId: ID!, $programId: ID!, $amount: String!) {
    quoteFinancing(receivableId: $receivableId, programId: $programId, amount: $amount) {
      __typename
      ... on FinancingQuote { tenorDays interest { amount } netDisbursement { amount currency } repaymentAtMaturity { amount currency } }
      ... on Error { code message }
    }
  }
`);

export const ApplyForFinancing = graphql(`
  mutation ApplyForFinancing($input: ApplyForFinancingInput!) {
    applyForFinancing(input: $input) {
      __typename
      ... on Financing { id financingNumber status }
      ... on Error { code message }
    }
  }
`);

export const AcknowledgeAssignment = graphql(`
  mutation AcknowledgeAssignment($id: ID!) {
    acknowledgeAssignment(id: $id) { __typename ... on Financing { status } ... on Error { code message } }
  }
`);

export const ApproveFinancing = graphql(`
  mutation ApproveFinancing($id: ID!) {
    approveFinancing(id: $id) { __typename ... on Financing { status } ... on Error { code message } }
  }
`);

export const ConfirmApproval = graphql(`
  mutation ConfirmApproval($id: ID!) {
    confirmApproval(id: $id) { __typename ... on Financing { status } ... on Error { code message } }
  }
`);

export const TopUpInstructions = graphql(`
  query TopUpInstructions {
    topUpInstructions { purpose virtualAccountNumber accountName bankName currency }
  }
`);

export const FinancingDetail = graphql(`
  query FinancingDetail($id: ID!) {
    financing(id: $id) {
      id
      status
      settledAt
      disbursed { amount currency }
      outstanding { total { amount currency } }
      collectionAccount { virtualAccountNumber }
      receivable { status }
      repaymentAtMaturity { amount currency }
      history { toStatus }
    }
  }
`);

export const FinancingUpdated = graphql(`
  subscription FinancingUpdated($id: ID, $after: String) {
    financingUpdated(id: $id, after: $after) { id status financingNumber }
  }
`);

export const RegisterWebhookEndpoint = graphql(`
  mutation RegisterWebhookEndpoint($input: RegisterWebhookEndpointInput!) {
    registerWebhookEndpoint(input: $input) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { id status } }
      ... on Error { code message }
    }
  }
`);

export const ApproveWebhookEndpoint = graphql(`
  mutation ApproveWebhookEndpoint($id: ID!) {
    approveWebhookEndpoint(id: $id) {
      __typename
      ... on WebhookEndpoint { id status }
      ... on Error { code message }
    }
  }
`);
