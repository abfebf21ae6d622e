import { describe, expect, it } from 'vitest';
import { wrapText } from './wrap-text';

// A fixed-pitch measure keeps the expectations readable: every Chinese character (and
// full-width punctuation) is 10 wide, everything else 5.
const measure = (text: string) => [...text].reduce((width, char) => width + (/[\u3000-\u9fff\uff00-\uffef]/u.test(char) ? 10 : 5), 0);

describe('wrapText', () => {
  it('breaks Chinese between any two characters', () => {
    expect(wrapText('应收账款登记证明书', 40, measure)).toEqual(['应收账款', '登记证明', '书']);
  });

  it('breaks Latin only at spaces and drops the space at the break', () => {
    expect(wrapText('one two three four', 45, measure)).toEqual(['one two', 'three', 'four']);
  });

  it('mixes Chinese and Latin on one line, breaking between them', () => {
    expect(wrapText('债务人 Obligor 上海公司', 80, measure)).toEqual(['债务人 Obligor', '上海公司']);
  });

  it('never starts a line with closing punctuation nor ends one with opening punctuation', () => {
    expect(wrapText('甲乙丙，丁', 30, measure)).toEqual(['甲乙', '丙，丁']);
    expect(wrapText('甲乙丙（丁', 40, measure)).toEqual(['甲乙丙', '（丁']);
  });

  it('breaks a word longer than the line at characters rather than overflowing', () => {
    const hash = '9f86d081884c7d659a2feaa0c55ad015';
    const lines = wrapText(`SHA ${hash}`, 50, measure);
    expect(lines.join('')).toBe(`SHA${hash}`);
    for (const line of lines) expect(measure(line)).toBeLessThanOrEqual(50);
  });

  it('honours hard line breaks and keeps empty lines', () => {
    expect(wrapText('甲\n\n乙', 100, measure)).toEqual(['甲', '', '乙']);
  });

  it('collapses runs of spaces', () => {
    expect(wrapText('a   b', 100, measure)).toEqual(['a b']);
  });

  it('gives one empty line for empty text', () => {
    expect(wrapText('', 100, measure)).toEqual(['']);
  });

  it('loses no character and overflows no line on long mixed text', () => {
    const text = '兹证明：下列应收账款已于 2026-03-15 10:30（UTC+08:00）在本平台登记。 This certifies that the receivable below was registered. '.repeat(5);
    const lines = wrapText(text, 120, measure);
    for (const line of lines) expect(measure(line)).toBeLessThanOrEqual(120);
    expect(lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });
});
