"""Question types: one class per kind of question (``base.QuestionType``), each in this
package's modules; ``feedback.questionnaire.registry`` finds them all."""
